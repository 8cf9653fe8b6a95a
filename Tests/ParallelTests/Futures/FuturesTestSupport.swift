import Foundation
import Parallel
import Testing

/// The parent suite of every futures test, so `swift test --filter Futures` selects them all.
@Suite("Futures") enum FuturesSuite {}

/// A one-shot gate for the futures tests: work blocks in `wait()` until the test calls `open()`.
/// Every wait is capped (10 s by default) so a broken test fails instead of hanging.
final class FuturesGate: @unchecked Sendable {
    // Safe: `isOpen` is only read or written while holding `condition.lock`.
    private let condition = Condition()
    private var isOpen = false

    func open() {
        condition.withLock {
            isOpen = true
            condition.notifyAll()
        }
    }

    /// `true` once open, `false` if `timeout` passed first.
    @discardableResult
    func wait(timeout: Duration = .seconds(10)) -> Bool {
        condition.withLock { condition.wait(for: { isOpen }, timeout: timeout) }
    }
}

/// Counts arrivals; `wait` returns once `count` have arrived (capped at 10 s).
final class FuturesCountdown: @unchecked Sendable {
    // Safe: `remaining` is only read or written while holding `condition.lock`.
    private let condition = Condition()
    private var remaining: Int

    init(_ count: Int) { remaining = count }

    func arrive() {
        condition.withLock {
            remaining -= 1
            if remaining <= 0 { condition.notifyAll() }
        }
    }

    @discardableResult
    func wait(timeout: Duration = .seconds(10)) -> Bool {
        condition.withLock { condition.wait(for: { remaining <= 0 }, timeout: timeout) }
    }
}

/// What the operating system says about this process's threads (Linux `/proc`).
enum FuturesThreads {
    /// The calling thread's name as the OS knows it.
    static func currentName() -> String {
        let text = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// How many live threads of this process have a name starting with `prefix`.
    static func count(prefix: String) -> Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.count { task in
            let name = (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)) ?? ""
            return name.hasPrefix(prefix)
        }
    }
}

/// A clock the test moves by hand: `sleep(until:)` returns only when `advance(by:)` reaches the deadline.
final class FuturesManualClock: Clock, @unchecked Sendable {
    // Safe: `current`, `sleepers` and `nextID` are only touched while holding `lock`; continuations
    // are resumed after releasing it.
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let lock = Lock()
    private var current = Instant(offset: .zero)
    private var sleepers: [Int: (deadline: Instant, continuation: CheckedContinuation<Void, any Error>)] = [:]
    private var nextID = 0
    private var sleeperWatchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    var now: Instant { lock.withLock { current } }
    var minimumResolution: Duration { .zero }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        let id = lock.withLock { defer { nextID += 1 }; return nextID }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (resumeNow, watchers): (Bool, [CheckedContinuation<Void, Never>]) = lock.withLock {
                    if deadline <= current || Task.isCancelled { return (true, []) }
                    sleepers[id] = (deadline, continuation)
                    let ready = sleeperWatchers.filter { $0.count <= sleepers.count }.map(\.continuation)
                    sleeperWatchers.removeAll { $0.count <= sleepers.count }
                    return (false, ready)
                }
                if resumeNow { continuation.resume() }
                for watcher in watchers { watcher.resume() }
            }
        } onCancel: {
            let sleeper = lock.withLock { sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }

    /// Returns once at least `count` sleepers are waiting on this clock.
    func sleepers(atLeast count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready: Bool = lock.withLock {
                if sleepers.count >= count { return true }
                sleeperWatchers.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Moves time forward and wakes every sleeper whose deadline has come.
    func advance(by duration: Duration) {
        let due: [CheckedContinuation<Void, any Error>] = lock.withLock {
            current = current.advanced(by: duration)
            let ready = sleepers.filter { $0.value.deadline <= current }
            for id in ready.keys { sleepers.removeValue(forKey: id) }
            return ready.values.map(\.continuation)
        }
        for continuation in due { continuation.resume() }
    }
}

/// The error the futures tests' tasks throw.
struct FuturesTestError: Error, Equatable {
    let code: Int
}
