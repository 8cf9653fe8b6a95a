import HummingbirdCore
import Parallel

/// The server's shared counters, and the tasks waiting for them to reach a condition.
///
/// Every change re-checks the waiters under the lock and resumes the satisfied ones outside it.
final class ServerCounters: Sendable {
    private typealias Waiter = (condition: @Sendable (TestServerStats) -> Bool, continuation: CheckedContinuation<Bool, Never>)

    private struct State {
        var stats = TestServerStats()
        var attempts: [String: Int] = [:]
        var nextID: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
        var cancelledEarly: Set<UInt64> = []

        /// Applies `change`, then removes and returns the waiters whose condition now holds.
        mutating func update(_ change: (inout TestServerStats) -> Void) -> [CheckedContinuation<Bool, Never>] {
            change(&stats)
            stats.maxInFlight = max(stats.maxInFlight, stats.inFlight)
            let ready = waiters.filter { $0.value.condition(stats) }
            for id in ready.keys { waiters[id] = nil }
            return ready.values.map(\.continuation)
        }
    }

    private let state = LockedValue(State())

    var stats: TestServerStats { state.withLock { $0.stats } }

    func update(_ change: (inout TestServerStats) -> Void) {
        for continuation in state.withLock({ $0.update(change) }) { continuation.resume(returning: true) }
    }

    func resetMaxInFlight() {
        update { $0.maxInFlight = $0.inFlight }
    }

    /// Counts one more attempt for `key` and returns the count.
    func countAttempt(_ key: String) -> Int {
        state.withLock { state in
            state.attempts[key, default: 0] += 1
            return state.attempts[key, default: 0]
        }
    }

    func attempts(_ key: String) -> Int {
        state.withLock { $0.attempts[key, default: 0] }
    }

    /// Returns `true` once `condition` holds, or `false` if the task is cancelled first.
    func wait(for condition: @escaping @Sendable (TestServerStats) -> Bool) async -> Bool {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let answer: Bool? = state.withLock { state in
                    if state.cancelledEarly.remove(id) != nil { return false }
                    if condition(state.stats) { return true }
                    state.waiters[id] = (condition, continuation)
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let waiter = state.waiters.removeValue(forKey: id) else {
                    state.cancelledEarly.insert(id)
                    return nil
                }
                return waiter
            }
            waiter?.continuation.resume(returning: false)
        }
    }
}

/// Hummingbird's hook on the listening socket: told when a connection is accepted and when it closes.
struct ConnectionCounter: AvailableConnectionsDelegate {
    let counters: ServerCounters

    func connectionOpened() {
        counters.update {
            $0.openConnections += 1
            $0.acceptedConnections += 1
        }
    }

    func connectionClosed() {
        counters.update { $0.openConnections -= 1 }
    }

    func isAcceptingNewConnections() -> Bool { true }
}
