import DequeModule

/// A condition variable for tasks, bound to an ``AsyncLock`` (Python's `asyncio.Condition`).
///
/// A task holding the lock calls ``wait()``: the lock is released while it waits and held again
/// when `wait` returns or throws, even on cancellation (as in Python). ``notify(_:)`` wakes waiters
/// in the order they started waiting. A waiter cancelled before it is notified leaves the line
/// without consuming a notification.
///
/// ```swift
/// let condition = AsyncCondition()
/// // consumer
/// try await condition.lock.withLock {
///     try await condition.wait(for: { !items.isEmpty })
/// }
/// // producer
/// try await condition.lock.withLock { items.append(1); condition.notify() }
/// ```
public final class AsyncCondition: Sendable {
    typealias Waiter = UnsafeContinuation<Void, any Error>

    /// The lock that `wait` releases and takes again.
    public let lock: AsyncLock
    private let state = LockedValue(StateMachine<Waiter>())

    /// Creates a condition on `lock` (a new lock by default).
    ///
    /// ```swift
    /// let condition = AsyncCondition(lock: AsyncLock())
    /// ```
    public init(lock: AsyncLock = AsyncLock()) {
        self.lock = lock
    }

    /// Releases the lock, waits to be notified, and takes the lock again (Python's
    /// `await condition.wait()`). The caller must hold ``lock``.
    ///
    /// Wake-ups can come from a notify meant for someone else's state: re-check your condition, or use
    /// ``wait(isolation:for:)``.
    ///
    /// - Throws: ``AsyncLockError/notLocked`` if the lock is not held; `CancellationError` if cancelled
    ///   before being notified (the lock is held again before it is thrown).
    ///
    /// ```swift
    /// try await condition.lock.withLock { try await condition.wait() }
    /// ```
    public func wait() async throws {
        guard lock.isLocked else { throw AsyncLockError.notLocked }
        let id = state.withLock { $0.makeWaiterID() }
        do {
            try await withTaskCancellationHandler {
                try await withUnsafeThrowingContinuation { (continuation: Waiter) in
                    let cancelled = Task.isCancelled
                    let suspended = state.withLock { $0.wait(id, continuation, isCancelled: cancelled) }
                    // Released only once this waiter is in line, so a notify in between reaches it.
                    try? lock.unlock()
                    if !suspended { continuation.resume(throwing: CancellationError()) }
                }
            } onCancel: {
                state.withLock { $0.cancel(id) }?.resume(throwing: CancellationError())
            }
        } catch {
            await lock.lockIgnoringCancellation()
            throw error
        }
        await lock.lockIgnoringCancellation()
    }

    /// Waits until `predicate` holds, re-checking it after every wake-up (Python's
    /// `await condition.wait_for(predicate)`). The caller must hold ``lock``.
    /// `predicate` is checked in the caller's isolation (`isolation`), so it may read the caller's state.
    ///
    /// ```swift
    /// try await condition.lock.withLock { try await condition.wait(for: { queue.count > 0 }) }
    /// ```
    public func wait(isolation: isolated (any Actor)? = #isolation, for predicate: () -> Bool) async throws {
        while !predicate() { try await wait() }
    }

    /// Wakes the longest waiter (Python's `condition.notify()`).
    /// Call it while holding ``lock``, after changing the state the waiters check.
    ///
    /// ```swift
    /// condition.notify()
    /// ```
    public func notify() {
        for waiter in state.withLock({ $0.notify(1) }) { waiter.resume() }
    }

    /// Wakes up to `count` waiters, longest-waiting first (Python's `condition.notify(n)`; 0 wakes
    /// none). Call it while holding ``lock``, after changing the state the waiters check.
    ///
    /// - Throws: ``InvalidArgumentError`` if `count` is negative.
    ///
    /// ```swift
    /// try condition.notify(2)
    /// ```
    public func notify(_ count: Int) throws(InvalidArgumentError) {
        try InvalidArgumentError.check("count", count, atLeast: 0)
        for waiter in state.withLock({ $0.notify(count) }) { waiter.resume() }
    }

    /// Wakes every waiter (Python's `condition.notify_all()`).
    ///
    /// ```swift
    /// condition.notifyAll()
    /// ```
    public func notifyAll() {
        for waiter in state.withLock({ $0.notify(.max) }) { waiter.resume() }
    }
}

extension AsyncCondition {
    /// The condition's logic without threads: the FIFO line of waiters.
    struct StateMachine<Continuation: Sendable>: Sendable {
        private(set) var waiters: Deque<(id: UInt64, continuation: Continuation)> = []
        private var lastWaiterID: UInt64 = 0

        mutating func makeWaiterID() -> UInt64 {
            lastWaiterID &+= 1
            return lastWaiterID
        }

        /// Puts a waiter in line; `false` if it was already cancelled (it then does not wait).
        mutating func wait(_ id: UInt64, _ continuation: Continuation, isCancelled: Bool) -> Bool {
            if isCancelled { return false }
            waiters.append((id, continuation))
            return true
        }

        /// Takes up to `count` waiters off the front of the line, to be resumed outside the lock.
        mutating func notify(_ count: Int) -> [Continuation] {
            let taken = min(max(0, count), waiters.count)
            defer { waiters.removeFirst(taken) }
            return waiters.prefix(taken).map(\.continuation)
        }

        mutating func cancel(_ id: UInt64) -> Continuation? {
            guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return waiters.remove(at: index).continuation
        }
    }
}
