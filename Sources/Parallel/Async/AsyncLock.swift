/// A mutual-exclusion lock for tasks: waiting for it suspends, never blocks a thread (Python's
/// `asyncio.Lock`).
///
/// Fair (FIFO) and cancellation-safe, as ``AsyncSemaphore`` with one permit, on which it is built.
/// Unlike ``Lock`` it may be held across `await`. It is not reentrant: acquiring it twice from the
/// same task waits forever, as in Python.
///
/// ```swift
/// let lock = AsyncLock()
/// try await lock.withLock {
///     let balance = try await account.balance()
///     try await account.setBalance(balance + 10)
/// }
/// ```
public final class AsyncLock: Sendable {
    private let semaphore = AsyncSemaphore(validValue: 1)

    /// Creates an unlocked lock.
    ///
    /// ```swift
    /// let lock = AsyncLock()
    /// ```
    public init() {}

    /// Whether some task holds the lock right now (Python's `lock.locked()`); a snapshot.
    ///
    /// ```swift
    /// if !lock.isLocked { print("free") }
    /// ```
    public var isLocked: Bool { semaphore.availablePermits == 0 }

    /// Acquires the lock, suspending until it is free (Python's `await lock.acquire()`).
    ///
    /// - Throws: `CancellationError` if cancelled while waiting; the lock is not held then.
    ///
    /// ```swift
    /// try await lock.lock()
    /// defer { try? lock.unlock() }
    /// ```
    public func lock() async throws {
        try await semaphore.acquire()
    }

    /// Acquires the lock if it is free right now.
    ///
    /// ```swift
    /// if lock.tryLock() { defer { try? lock.unlock() }; work() }
    /// ```
    public func tryLock() -> Bool { semaphore.tryAcquire() }

    /// Releases the lock, handing it to the longest waiter (Python's `lock.release()`).
    ///
    /// - Throws: ``AsyncLockError/notLocked`` if the lock is not held (Python's `RuntimeError`).
    ///
    /// ```swift
    /// try lock.unlock()
    /// ```
    public func unlock() throws(AsyncLockError) {
        guard semaphore.release(ifBelow: 1) else { throw .notLocked }
    }

    /// Runs `body` holding the lock and releases it however `body` ends (Python's `async with lock:`).
    ///
    /// ```swift
    /// let total = try await lock.withLock { try await ledger.sum() }
    /// ```
    public func withLock<T, E: Error>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws(E) -> T
    ) async throws -> T {
        try await semaphore.withPermit(body)
    }

    /// Acquires the lock even if the task is cancelled (for ``AsyncCondition``).
    func lockIgnoringCancellation() async {
        await semaphore.acquireIgnoringCancellation()
    }
}

/// Misuse of ``AsyncLock``.
///
/// ```swift
/// do { try lock.unlock() } catch .notLocked { print("was not locked") }
/// ```
public enum AsyncLockError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `unlock()` was called on a lock nobody holds.
    case notLocked

    public var description: String {
        switch self {
        case .notLocked: "unlock() was called on an AsyncLock that is not locked; unlock only after lock() succeeded"
        }
    }
}
