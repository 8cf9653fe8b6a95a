/// A semaphore that may never hold more permits than it started with
/// (Python's `threading.BoundedSemaphore`).
///
/// Releasing more often than acquiring is a bug in the caller; ``release()`` reports it with
/// ``SemaphoreError/releasedTooManyTimes(bound:)`` instead of silently growing the count.
///
/// ```swift
/// let connections = try BoundedSemaphore(value: 4)
/// if connections.acquire(timeout: .seconds(2)) {
///     defer { try? connections.release() }
///     talkToServer()
/// }
/// ```
public final class BoundedSemaphore: Sendable {
    /// The initial and largest number of permits.
    ///
    /// ```swift
    /// print(try BoundedSemaphore(value: 4).bound)   // 4
    /// ```
    public let bound: Int
    private let semaphore: Semaphore

    /// Creates a semaphore with `value` permits, which is also its bound.
    ///
    /// - Throws: ``InvalidArgumentError`` if `value` is negative.
    ///
    /// ```swift
    /// let semaphore = try BoundedSemaphore(value: 3)
    /// ```
    public init(value: Int = 1) throws(InvalidArgumentError) {
        semaphore = try Semaphore(value: value)
        bound = value
    }

    /// Takes a permit, waiting at most `timeout` (`nil`: as long as it takes); `false` on timeout.
    ///
    /// - Throws: ``InvalidArgumentError`` if `timeout` is negative (zero: as ``tryAcquire()``).
    ///
    /// ```swift
    /// let entered = try semaphore.acquire(timeout: .milliseconds(50))
    /// ```
    @available(*, noasync, message: "blocks the thread; use an async semaphore in async code")
    @discardableResult
    public func acquire(timeout: Duration? = nil) throws(InvalidArgumentError) -> Bool {
        try semaphore.acquire(timeout: timeout)
    }

    /// Takes a permit if one is free, without blocking.
    ///
    /// ```swift
    /// let entered = semaphore.tryAcquire()
    /// ```
    public func tryAcquire() -> Bool {
        semaphore.tryAcquire()
    }

    /// Returns a permit and wakes one waiting thread.
    ///
    /// - Throws: ``SemaphoreError/releasedTooManyTimes(bound:)`` if every permit is already back;
    ///   the count is left unchanged.
    ///
    /// ```swift
    /// try semaphore.release()
    /// ```
    public func release() throws(SemaphoreError) {
        guard semaphore.release(upTo: bound) else { throw .releasedTooManyTimes(bound: bound) }
    }
}
