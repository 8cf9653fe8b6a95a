#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Parallel
import ParallelTestTasks
import ServiceLifecycle
import Testing

@Suite("ProcessPool as a Service in a ServiceGroup", .timeLimit(.minutes(1)))
struct ProcessPoolServiceTests {
    let executable = TestWorker.executable

    /// A service group running `pool` only, with a logger that logs nothing.
    func group(of pool: ProcessPool) -> ServiceGroup {
        ServiceGroup(configuration: .init(
            services: [pool], logger: Logger(label: "ProcessPoolServiceTests") { _ in SwiftLogNoOpLogHandler() }
        ))
    }

    @Test("a graceful shutdown of the group finishes the work already queued, then stops the pool and its workers")
    func gracefulShutdownFinishesQueuedWork() async throws {
        let pool = try ProcessPool(workers: 2, executable: executable)
        let group = group(of: pool)
        let running = Task { try await group.run() }
        // Two running, four queued behind them when the shutdown comes.
        let handles = try (0..<6).map { _ in try pool.submit(NapPID.self, 200) }
        let workers = Set(pool.workerProcessIDs)
        await group.triggerGracefulShutdown()
        try await running.value

        var ranBy: Set<Int32> = []
        for handle in handles { ranBy.insert(try await handle.value) }
        #expect(ranBy.count <= 2)
        #expect(pool.workerProcessIDs.isEmpty)
        await #expect(throws: ProcessPoolError.shutDown(task: NapPID.name)) {
            try await pool.run(NapPID.self, 0)
        }
        #expect((workers.union(ranBy)).allSatisfy { !isRunning($0) && !isOurZombie($0) })
    }

    @Test("cancelling the group stops the pool at once: running and queued work fails with shutDown, no worker is left")
    func cancellationStopsAtOnce() async throws {
        let marker = try Marker()
        let pool = try ProcessPool(workers: 1, executable: executable)
        let group = group(of: pool)
        let running = Task { try await group.run() }
        let blocked = try pool.submit(BlockWhenNegative.self, .init(n: -1, marker: marker.path))   // blocks until killed
        let queued = try pool.submit(NapPID.self, 0)
        let worker = try #require(await marker.blockingWorker())

        running.cancel()
        _ = await running.result
        await #expect(throws: ProcessPoolError.shutDown(task: BlockWhenNegative.name)) { try await blocked.value }
        await #expect(throws: ProcessPoolError.shutDown(task: NapPID.name)) { try await queued.value }
        #expect(pool.workerProcessIDs.isEmpty)
        #expect(!isRunning(worker) && !isOurZombie(worker))
    }
}
