import DequeModule

/// A counting semaphore for tasks: waiting suspends the task, never blocks a thread (Python's
/// `asyncio.Semaphore`).
///
/// - Fair: waiters get permits in the order they started waiting (FIFO); a release hands its permit
///   straight to the longest waiter, so a newcomer cannot barge past the line.
/// - Cancellation-safe: a waiter cancelled while in line leaves it and throws `CancellationError`
///   without taking a permit. If a release handed it a permit just before the cancellation arrived,
///   `acquire()` returns normally instead and the caller owns that permit: either way no permit leaks.
///
/// ```swift
/// let slots = try AsyncSemaphore(value: 3)
/// try await slots.withPermit {
///     try await download(url)   // at most three downloads at once
/// }
/// ```
public final class AsyncSemaphore: Sendable {
    typealias Waiter = UnsafeContinuation<Void, any Error>
    private let state: LockedValue<StateMachine<Waiter>>

    /// Creates a semaphore with `value` permits.
    ///
    /// - Throws: ``InvalidArgumentError`` if `value` is negative.
    ///
    /// ```swift
    /// let mutex = try AsyncSemaphore(value: 1)
    /// ```
    public convenience init(value: Int) throws(InvalidArgumentError) {
        try InvalidArgumentError.check("value", value, atLeast: 0)
        self.init(validValue: value)
    }

    /// A semaphore whose `value` is known to be 0 or more (the package's own, such as ``AsyncLock``'s).
    init(validValue value: Int) {
        state = LockedValue(StateMachine(permits: value))
    }

    /// The number of permits free right now (Python's `Semaphore._value`); a snapshot, for display.
    ///
    /// ```swift
    /// print(semaphore.availablePermits)
    /// ```
    public var availablePermits: Int { state.withLock { $0.permits } }

    /// Takes a permit, suspending until one is free (Python's `await sem.acquire()`).
    ///
    /// - Throws: `CancellationError` if the task is cancelled while waiting; no permit is taken then.
    ///
    /// ```swift
    /// try await semaphore.acquire()
    /// defer { semaphore.release() }
    /// ```
    public func acquire() async throws {
        if state.withLock({ $0.tryAcquire() }) { return }
        try await acquireSlowly(cancellable: true)
    }

    /// Takes a permit if one is free right now, without waiting (Python's `sem.locked()` check + acquire).
    ///
    /// ```swift
    /// if semaphore.tryAcquire() { defer { semaphore.release() }; work() }
    /// ```
    public func tryAcquire() -> Bool {
        state.withLock { $0.tryAcquire() }
    }

    /// Returns a permit, waking the longest waiter if there is one (Python's `sem.release()`).
    ///
    /// ```swift
    /// semaphore.release()
    /// ```
    public func release() {
        state.withLock { $0.release() }?.resume()
    }

    /// Runs `body` holding a permit, and returns the permit however `body` ends (Python's
    /// `async with sem:`).
    ///
    /// ```swift
    /// let page = try await semaphore.withPermit { try await fetch(url) }
    /// ```
    public func withPermit<T, E: Error>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws(E) -> T
    ) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }

    /// Takes a permit, waiting even if the task is cancelled (for ``AsyncCondition``, which, like
    /// Python, must hold its lock again before `wait` returns).
    func acquireIgnoringCancellation() async {
        if state.withLock({ $0.tryAcquire() }) { return }
        try? await acquireSlowly(cancellable: false)
    }

    /// Returns a permit only if the count is below `limit`; `false` (and nothing changes) otherwise.
    func release(ifBelow limit: Int) -> Bool {
        let outcome = state.withLock { machine -> (Bool, Waiter?) in
            guard machine.permits < limit else { return (false, nil) }
            return (true, machine.release())
        }
        outcome.1?.resume()
        return outcome.0
    }

    private func acquireSlowly(cancellable: Bool) async throws {
        let id = state.withLock { $0.makeWaiterID() }
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: Waiter) in
                let cancelled = cancellable && Task.isCancelled
                switch state.withLock({ $0.enqueue(id, continuation, isCancelled: cancelled) }) {
                case .resume: continuation.resume()
                case .cancel: continuation.resume(throwing: CancellationError())
                case .suspend: break
                }
            }
        } onCancel: {
            guard cancellable else { return }
            state.withLock { $0.cancel(id) }?.resume(throwing: CancellationError())
        }
    }
}

extension AsyncSemaphore {
    /// The semaphore's logic without threads: permits and a FIFO line of waiters.
    ///
    /// Generic over the waiter so it can be tested with plain values.
    struct StateMachine<Continuation: Sendable>: Sendable {
        /// Free permits. Invariant: when `waiters` is not empty, `permits` is 0.
        private(set) var permits: Int
        /// Waiters in arrival order.
        private(set) var waiters: Deque<(id: UInt64, continuation: Continuation)> = []

        private var lastWaiterID: UInt64 = 0

        init(permits: Int) { self.permits = permits }

        /// A fresh identity for a waiter about to suspend, so its cancellation handler can find it.
        mutating func makeWaiterID() -> UInt64 {
            lastWaiterID &+= 1
            return lastWaiterID
        }

        /// What a waiter that has just registered its continuation should do.
        enum EnqueueAction { case resume, cancel, suspend }

        /// Takes a permit if one is free; never jumps the line.
        mutating func tryAcquire() -> Bool {
            guard permits > 0, waiters.isEmpty else { return false }
            permits -= 1
            return true
        }

        /// A waiter arrives with its continuation. It may find a permit freed since `tryAcquire`,
        /// or find itself already cancelled (its cancellation handler then ran before it was in line).
        mutating func enqueue(_ id: UInt64, _ continuation: Continuation, isCancelled: Bool) -> EnqueueAction {
            if tryAcquire() { return .resume }
            if isCancelled { return .cancel }
            waiters.append((id, continuation))
            return .suspend
        }

        /// A permit comes back: it goes to the longest waiter (returned, to be resumed outside the
        /// lock), or to the pool of free permits.
        mutating func release() -> Continuation? {
            if let first = waiters.popFirst() { return first.continuation }
            permits += 1
            return nil
        }

        /// The waiter `id` was cancelled: if it is still in line it leaves it (its continuation is
        /// returned, to be resumed with `CancellationError`); if a release already handed it a permit,
        /// nothing happens and it keeps that permit.
        mutating func cancel(_ id: UInt64) -> Continuation? {
            guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return waiters.remove(at: index).continuation
        }
    }
}
