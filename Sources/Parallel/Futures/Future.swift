/// The eventual result of work running elsewhere (Python's `concurrent.futures.Future`).
///
/// A future moves once through pending → running → finished | failed, or pending → cancelled.
/// You get one from ``ThreadPoolExecutor/submit(_:)`` (or make one with a ``Promise``), then:
/// - wait for it on a thread with ``result(timeout:)``, or from async code with ``value``;
/// - cancel it with ``cancel()`` while it is still pending (never once it runs);
/// - be told when it completes with ``onComplete(_:)``: every callback is called exactly once.
///
/// Futures are compared and hashed by identity, so they can go into a `Set` (see ``wait(for:timeout:returnWhen:)``).
///
/// ```swift
/// let executor = try ThreadPoolExecutor(maxWorkers: 2)
/// let future = try executor.submit { 6 * 7 }
/// print(try future.result())   // 42
/// ```
public final class Future<Value: Sendable>: @unchecked Sendable {
    // Safe: `machine` is only read or changed while holding `lock`; everything it hands out
    // (values, errors, callbacks) is Sendable, and callbacks run after the lock is released.
    @usableFromInline var machine = FutureStateMachine<Value>()

    /// This future's lock: a shared stripe picked by its address (see ``FutureLocks``).
    @inlinable var lock: Lock { FutureLocks.lock(for: ObjectIdentifier(self)) }

    @inlinable init() {}

    // MARK: State

    /// Whether the future finished, failed or was cancelled (Python's `done()`).
    ///
    /// ```swift
    /// if future.isDone { print(try future.result()) }
    /// ```
    @inlinable public var isDone: Bool { lock.withLock { machine.outcome != nil } }

    /// Whether its work is executing right now (Python's `running()`).
    ///
    /// ```swift
    /// print(future.isRunning)   // true while the task body runs
    /// ```
    @inlinable public var isRunning: Bool {
        lock.withLock {
            if case .running = machine.state { return true }
            return false
        }
    }

    /// Whether it was cancelled before it started (Python's `cancelled()`).
    ///
    /// ```swift
    /// if future.cancel() { assert(future.isCancelled) }
    /// ```
    @inlinable public var isCancelled: Bool {
        lock.withLock {
            if case .cancelled = machine.state { return true }
            return false
        }
    }

    /// The error the work failed with, ``FutureError/cancelled`` if it was cancelled, or `nil` while
    /// pending or running or after a success.
    ///
    /// Unlike Python's `exception()`, this never waits: call ``result(timeout:)`` or
    /// ``wait(for:timeout:returnWhen:)`` first to wait.
    ///
    /// ```swift
    /// _ = try? future.result()
    /// if let error = future.error { print("failed: \(error)") }
    /// ```
    @inlinable public var error: (any Error)? {
        lock.withLock {
            if case .failure(let error) = machine.outcome { return error }
            return nil
        }
    }

    // MARK: Cancelling

    /// Cancels the future if it has not started yet (Python's `cancel()`).
    ///
    /// A pending future becomes cancelled, its work never runs, its callbacks run (on this thread)
    /// and waiters get ``FutureError/cancelled``. A running or completed future is not affected.
    ///
    /// - Returns: `true` if the future is cancelled now (also when it already was), `false` if it is
    ///   running or done.
    ///
    /// ```swift
    /// let future = try executor.submit { slowWork() }
    /// if future.cancel() { print("it will never run") }
    /// ```
    @inlinable @discardableResult
    public func cancel() -> Bool {
        let (cancelled, action) = lock.withLock { machine.cancel() }
        action.perform()
        return cancelled
    }

    // MARK: Waiting

    /// Blocks the calling thread until the future completes, then returns its value (Python's
    /// `result(timeout)`).
    ///
    /// - Parameter timeout: how long to wait at most; `nil` waits for as long as it takes.
    /// - Throws: the error the work threw; ``FutureError/cancelled`` if the future was cancelled;
    ///   ``FutureError/timedOut(after:)`` if `timeout` passed first (the work itself goes on);
    ///   ``InvalidArgumentError`` if `timeout` is negative (zero: do not wait).
    ///
    /// ```swift
    /// let answer = try future.result(timeout: .seconds(5))
    /// ```
    @available(*, noasync, message: "blocks the thread; use `try await future.value` in async code")
    @inlinable public func result(timeout: Duration? = nil) throws -> Value {
        try InvalidArgumentError.checkNonNegative("timeout", timeout)
        return try result(until: Deadline.after(timeout), timeout: timeout ?? .zero)
    }

    /// The value, waited for without blocking a thread: the awaiting task suspends until the future
    /// completes.
    ///
    /// Cancelling the awaiting task does **not** cancel the future and does not stop the wait (as
    /// with `Task.value`); call ``cancel()`` yourself, or use ``ThreadPoolExecutor/run(_:)``, which does.
    ///
    /// - Throws: the error the work threw, or ``FutureError/cancelled``.
    ///
    /// ```swift
    /// let answer = try await future.value
    /// ```
    @inlinable public var value: Value {
        get async throws {
            if let outcome = lock.withLock({ machine.outcome }) { return try outcome.get() }
            return try await withUnsafeThrowingContinuation { continuation in
                let action = lock.withLock {
                    machine.add(.init(owner: nil, callback: { continuation.resume(with: $0) }))
                }
                action.perform()
            }
        }
    }

    /// Calls `callback` exactly once with the outcome when the future completes (Python's
    /// `add_done_callback`).
    ///
    /// The callback runs on the thread that completes or cancels the future; if the future is already
    /// done, it runs at once on the calling thread. Callbacks run in the order they were added and
    /// never while the future's lock is held, so they may use the future freely. Keep them short:
    /// they delay the thread that runs them.
    ///
    /// ```swift
    /// future.onComplete { outcome in
    ///     if case .success(let value) = outcome { print("got \(value)") }
    /// }
    /// ```
    @inlinable public func onComplete(_ callback: @escaping @Sendable (Result<Value, any Error>) -> Void) {
        let action = lock.withLock { machine.add(.init(owner: nil, callback: callback)) }
        action.perform()
    }

    // MARK: Internal: the executor's side and the package's waiters

    /// The outcome once done, or `nil`.
    @inlinable var outcome: Result<Value, any Error>? { lock.withLock { machine.outcome } }

    /// pending → running; `false` means the future was cancelled and its work must not run.
    @inlinable func start() -> Bool { lock.withLock { machine.start() } }

    /// Completes the future unless it is done already; returns whether this call completed it.
    @inlinable @discardableResult
    func complete(_ outcome: Result<Value, any Error>) -> Bool {
        let action = lock.withLock { machine.complete(outcome) }
        guard case .runCallbacks = action else { return false }
        action.perform()
        return true
    }

    /// Registers a callback that `owner` may remove again with ``removeCallbacks(of:)``.
    func onComplete(owner: AnyObject, _ callback: @escaping @Sendable (Result<Value, any Error>) -> Void) {
        let action = lock.withLock { machine.add(.init(owner: ObjectIdentifier(owner), callback: callback)) }
        action.perform()
    }

    /// Forgets the callbacks `owner` registered and that have not run yet.
    func removeCallbacks(of owner: AnyObject) {
        lock.withLock { machine.removeCallbacks(of: ObjectIdentifier(owner)) }
    }

    /// Blocks until done or `deadline`; a timeout throws ``FutureError/timedOut(after:)`` with `timeout`.
    @inlinable func result(until deadline: Deadline, timeout: Duration) throws -> Value {
        if let outcome { return try outcome.get() }
        return try waitForResult(until: deadline, timeout: timeout)
    }

    /// The slow path of ``result(until:timeout:)``: block on a waiter.
    @usableFromInline func waitForResult(until deadline: Deadline, timeout: Duration) throws -> Value {
        let waiter = CompletionWaiter(watching: [self])
        switch waiter.next(until: deadline) {
        case .completed, .exhausted:
            break
        case .timedOut:
            waiter.stopWatching()
            throw FutureError.timedOut(after: timeout)
        }
        // Completed, so the outcome is set; the fallback only satisfies the type checker.
        return try (outcome ?? .failure(FutureError.timedOut(after: timeout))).get()
    }
}

extension Future: Hashable {
    /// Futures are equal only if they are the same future.
    @inlinable public static func == (lhs: Future, rhs: Future) -> Bool { lhs === rhs }

    /// Hashes the future's identity.
    @inlinable public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
