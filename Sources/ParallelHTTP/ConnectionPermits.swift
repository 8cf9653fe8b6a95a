import DequeModule
import Parallel

/// A counting semaphore for async tasks that bounds the requests a session has in flight across
/// all hosts (AsyncHTTPClient limits connections per host only).
///
/// Waiters are served first come, first served; a waiter whose task is cancelled leaves the queue and
/// throws ``HTTPError/cancelled``. The logic is ``PermitQueue``, a plain state machine whose methods
/// return the waiter to resume; the continuation is resumed outside the lock.
final class ConnectionPermits: Sendable {
    private typealias Waiter = CheckedContinuation<Void, any Error>
    private let state: LockedValue<PermitQueue<Waiter>>

    init(_ count: Int) {
        state = LockedValue(PermitQueue(permits: count))
    }

    /// Waits for a permit; throws ``HTTPError/cancelled`` if the task is cancelled while waiting.
    func acquire() async throws(HTTPError) {
        let id = state.withLock { $0.makeID() }
        do {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: Waiter) in
                    switch state.withLock({ $0.acquire(id: id, continuation) }) {
                    case .granted: continuation.resume()
                    case .cancelled: continuation.resume(throwing: HTTPError.cancelled)
                    case .queued: break
                    }
                }
            } onCancel: {
                state.withLock { $0.cancel(id: id) }?.resume(throwing: HTTPError.cancelled)
            }
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

/// The semaphore's state machine: free permits, and the waiters in arrival order.
struct PermitQueue<Waiter: Sendable>: Sendable {
    /// What ``acquire(id:_:)`` decided.
    enum Acquired: Equatable {
        /// A permit was free and is now the caller's.
        case granted
        /// No permit was free: the waiter is queued until ``release()`` hands it one.
        case queued
        /// The caller's task was cancelled before it could queue.
        case cancelled
    }

    private(set) var available: Int
    private var nextID: UInt64 = 0
    private var waiters: Deque<(id: UInt64, waiter: Waiter)> = []
    /// IDs handed out by ``makeID()`` that have not reached ``acquire(id:_:)`` and were not cancelled.
    private var arriving: Set<UInt64> = []

    init(permits: Int) {
        available = max(1, permits)
    }

    /// The waiters queued now.
    var waiting: Int { waiters.count }

    mutating func makeID() -> UInt64 {
        nextID += 1
        arriving.insert(nextID)
        return nextID
    }

    /// Takes a free permit, or queues `waiter`.
    mutating func acquire(id: UInt64, _ waiter: Waiter) -> Acquired {
        guard arriving.remove(id) != nil else { return .cancelled }
        guard available == 0 else {
            available -= 1
            return .granted
        }
        waiters.append((id, waiter))
        return .queued
    }

    /// Hands the permit to the longest waiter (returned, to resume), or makes it free again.
    mutating func release() -> Waiter? {
        if let first = waiters.popFirst() { return first.waiter }
        available += 1
        return nil
    }

    /// Removes waiter `id` and returns it to fail; if it has not queued yet, makes it fail on arrival.
    /// A waiter that already holds its permit is left alone.
    mutating func cancel(id: UInt64) -> Waiter? {
        if let index = waiters.firstIndex(where: { $0.id == id }) {
            return waiters.remove(at: index).waiter
        }
        arriving.remove(id)
        return nil
    }
}
