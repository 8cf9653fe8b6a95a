import DequeModule
import Parallel

/// A counting semaphore for async tasks that bounds the requests a session has in flight across
/// all hosts (AsyncHTTPClient limits connections per host only).
///
/// Waiters are served first come, first served; a waiter whose task is cancelled leaves the queue and
/// throws ``HTTPError/cancelled``. Kept internal and minimal: the state machine is `State`, whose
/// methods return the continuation to resume, which is resumed outside the lock.
final class ConnectionPermits: Sendable {
    private struct State {
        var available: Int
        var nextID: UInt64 = 0
        var waiters: Deque<(id: UInt64, continuation: CheckedContinuation<Void, any Error>)> = []
        /// IDs whose task was cancelled before they enqueued.
        var cancelledEarly: Set<UInt64> = []

        mutating func makeID() -> UInt64 {
            nextID += 1
            return nextID
        }

        /// Takes a permit now, or queues `continuation` (returning it back when it must fail at once).
        mutating func acquire(id: UInt64, _ continuation: CheckedContinuation<Void, any Error>)
            -> (resume: CheckedContinuation<Void, any Error>?, cancelled: Bool)
        {
            if cancelledEarly.remove(id) != nil { return (continuation, true) }
            if available > 0 {
                available -= 1
                return (continuation, false)
            }
            waiters.append((id, continuation))
            return (nil, false)
        }

        /// Hands the permit to the first waiter, or returns it to the pool.
        mutating func release() -> CheckedContinuation<Void, any Error>? {
            if let first = waiters.popFirst() { return first.continuation }
            available += 1
            return nil
        }

        /// Removes the waiter `id`, returning its continuation to fail; remembers the ID if it has not
        /// queued yet.
        mutating func cancel(id: UInt64) -> CheckedContinuation<Void, any Error>? {
            if let index = waiters.firstIndex(where: { $0.id == id }) {
                return waiters.remove(at: index).continuation
            }
            cancelledEarly.insert(id)
            return nil
        }

        /// Forgets an early-cancel mark left by a waiter that was granted its permit anyway.
        mutating func forget(id: UInt64) {
            cancelledEarly.remove(id)
        }
    }

    private let state: LockedValue<State>

    init(_ count: Int) {
        state = LockedValue(State(available: max(1, count)))
    }

    /// Waits for a permit; throws ``HTTPError/cancelled`` if the task is cancelled while waiting.
    func acquire() async throws(HTTPError) {
        let id = state.withLock { $0.makeID() }
        do {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let action = state.withLock { $0.acquire(id: id, continuation) }
                    if action.cancelled {
                        action.resume?.resume(throwing: HTTPError.cancelled)
                    } else {
                        action.resume?.resume()
                    }
                }
            } onCancel: {
                state.withLock { $0.cancel(id: id) }?.resume(throwing: HTTPError.cancelled)
            }
            state.withLock { $0.forget(id: id) }
        } catch {
            throw .cancelled
        }
    }

    /// Returns a permit, waking the longest waiter if there is one.
    func release() {
        state.withLock { $0.release() }?.resume()
    }

    /// Runs `body` holding a permit.
    func withPermit<T>(_ body: () async throws(HTTPError) -> T) async throws(HTTPError) -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }
}
