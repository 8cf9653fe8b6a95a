/// An async semaphore that may never hold more permits than it started with (Python's
/// `asyncio.BoundedSemaphore`).
///
/// It is an ``AsyncSemaphore`` — fair (FIFO), cancellation-safe, suspending instead of blocking — whose
/// ``release()`` checks the bound: releasing more often than acquiring is a bug in the caller, reported
/// with ``SemaphoreError/releasedTooManyTimes(bound:)`` (Python's `ValueError`) instead of silently
/// growing the count. The async twin of ``BoundedSemaphore``.
///
/// ```swift
/// let connections = try AsyncBoundedSemaphore(value: 4)
/// try await connections.withPermit {
///     try await talkToServer()   // at most four at once
/// }
/// ```
public final class AsyncBoundedSemaphore: Sendable {
    /// The initial and largest number of permits.
    ///
    /// ```swift
    /// print(try AsyncBoundedSemaphore(value: 4).bound)   // 4
    /// ```
    public let bound: Int
    private let semaphore: AsyncSemaphore

    /// Creates a semaphore with `value` permits, which is also its bound.
    ///
    /// - Throws: ``InvalidArgumentError`` if `value` is negative.
    ///
    /// ```swift
    /// let semaphore = try AsyncBoundedSemaphore(value: 3)
    /// ```
    public init(value: Int = 1) throws(InvalidArgumentError) {
        semaphore = try AsyncSemaphore(value: value)
        bound = value
    }

    /// The number of permits free right now (Python's `_value`); a snapshot, for display.
    ///
    /// ```swift
    /// print(semaphore.availablePermits)
    /// ```
    public var availablePermits: Int { semaphore.availablePermits }

    /// Takes a permit, suspending until one is free (Python's `await sem.acquire()`); waiters are
    /// served in arrival order.
    ///
    /// - Throws: `CancellationError` if the task is cancelled while waiting; no permit is taken then.
    ///
    /// ```swift
    /// try await semaphore.acquire()
    /// defer { try? semaphore.release() }
    /// ```
    public func acquire() async throws {
        try await semaphore.acquire()
    }

    /// Takes a permit if one is free right now, without waiting.
    ///
    /// ```swift
    /// if semaphore.tryAcquire() { defer { try? semaphore.release() }; work() }
    /// ```
    public func tryAcquire() -> Bool {
        semaphore.tryAcquire()
    }

    /// Returns a permit, waking the longest waiter if there is one (Python's `sem.release()`).
    ///
    /// - Throws: ``SemaphoreError/releasedTooManyTimes(bound:)`` if every permit is already back;
    ///   the count is left unchanged.
    ///
    /// ```swift
    /// try semaphore.release()
    /// ```
    public func release() throws(SemaphoreError) {
        guard semaphore.release(ifBelow: bound) else { throw .releasedTooManyTimes(bound: bound) }
    }

    /// Runs `body` holding a permit, and returns the permit however `body` ends (Python's
    /// `async with sem:`).
    ///
    /// - Throws: what `body` throws; ``SemaphoreError/releasedTooManyTimes(bound:)`` if, when `body`
    ///   ends, every permit is already back (someone else released one too many), as Python's
    ///   `__aexit__` raises `ValueError`.
    ///
    /// ```swift
    /// let page = try await semaphore.withPermit { try await fetch(url) }
    /// ```
    public func withPermit<T, E: Error>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws(E) -> T
    ) async throws -> T {
        try await acquire()
        let outcome: Result<T, E>
        do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
        try release()
        return try outcome.get()
    }
}
