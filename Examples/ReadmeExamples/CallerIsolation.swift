// A compile-time check that every scoped or closure-taking API of Parallel and ParallelHTTP runs its
// body in the caller's isolation: each call below passes an ordinary (non-`Sendable`) closure that
// touches the caller's non-`Sendable` state, from the main actor and from an actor method. With a
// body that must be `@Sendable` or `sending`, this file does not compile. Closures that run
// concurrently with each other (`concurrentMap`'s transform, `gather`'s operations) stay `@Sendable`.
import Parallel
import ParallelHTTP
import ParallelTestServer

/// Caller state that is not `Sendable`: only the caller's isolation may touch it.
final class Tally {
    var count = 0
    func add() { count += 1 }
}

/// Every scoped API, called from whatever isolation its caller has (the main actor, an actor).
func scopedAPIs(isolation: isolated (any Actor)? = #isolation) async throws -> Int {
    let tally = Tally()
    let clock = ContinuousClock()

    try await withProcessPool(workers: 1) { pool in
        tally.add()
        _ = try await pool.run(Square.self, 3)
    }
    _ = try await withTimeout(.seconds(5)) { tally.add() }
    _ = try await withTimeout(.seconds(5), clock: clock) { tally.add() }
    _ = try await withDeadline(clock.now.advanced(by: .seconds(5)), clock: clock) { tally.add() }
    _ = try await shield { tally.add() }
    _ = try await retry(maxAttempts: 2, shouldRetry: { _ in tally.count < 100 }) { tally.add() }
    _ = try await retry(maxAttempts: 2, clock: clock) { tally.add() }
    try await withLimitedTaskGroup(maxConcurrency: 2) { group in
        tally.add()
        try await group.addTask { _ = try await toThread { 1 } }
    }
    let lengths = try await ["a", "bb"].concurrentMap(maxConcurrency: 2) { $0.count }
    try await lengths.concurrentForEach(maxConcurrency: 2) { _ in }
    let (one, two) = try await gather({ 1 }, { 2 })
    let (three, _) = await gatherResults({ 3 }, { 4 })
    let many = try await gather([{ @Sendable in 5 }, { @Sendable in 6 }])
    let outcomes = await gatherResults([{ @Sendable in 7 }])
    for try await value in asCompleted([{ @Sendable in 8 }]) { tally.count += value - value }
    tally.count += lengths.count + one + two + (try three.get()) + many.count + outcomes.count - 15

    let lock = AsyncLock()
    try await lock.withLock { tally.add() }
    try await AsyncSemaphore(value: 1).withPermit { tally.add() }
    let condition = AsyncCondition(lock: lock)
    try await condition.lock.withLock { try await condition.wait(for: { tally.count > 0 }) }

    let server = try await TestServer.start()
    try await withHTTPSession { session in
        tally.add()
        try await session.stream(.GET, server.baseURL + "/get") { _ in tally.add() }
    }
    await server.shutdown()
    return tally.count
}

/// The checks from the main actor, as a user's `main()` runs them.
@MainActor
enum CallerIsolation {
    static func runAll() async throws -> Int { try await scopedAPIs() }
}

/// The checks from an actor method, plus bodies that touch the actor's own stored state.
actor CallerIsolationActor {
    private var count = 0

    func runAll() async throws -> Int {
        try await withProcessPool(workers: 1) { pool in
            count += try await pool.run(Square.self, 1)
        }
        try await withTimeout(.seconds(5)) { count += 1 }
        try await withDeadline(.now.advanced(by: .seconds(5)), clock: .continuous) { count += 1 }
        try await shield { count += 1 }
        try await retry { count += 1 }
        try await withLimitedTaskGroup(maxConcurrency: 1) { _ in count += 1 }
        try await withHTTPSession { _ in count += 1 }
        return try await scopedAPIs() + count
    }
}
