/// What went wrong with a ``Semaphore``, ``BoundedSemaphore`` or ``AsyncBoundedSemaphore``.
///
/// ```swift
/// let semaphore = try BoundedSemaphore(value: 1)
/// do { try semaphore.release() } catch SemaphoreError.releasedTooManyTimes(let bound) { print("bound is", bound) }
/// ```
public enum SemaphoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A ``BoundedSemaphore`` or ``AsyncBoundedSemaphore`` was released more times than it was acquired
    /// (Python's `ValueError`).
    case releasedTooManyTimes(bound: Int)

    /// What went wrong and what to do about it, in one sentence.
    public var description: String {
        switch self {
        case .releasedTooManyTimes(let bound):
            return "BoundedSemaphore released too many times: its value would exceed its bound \(bound);"
                + " release only what you acquired"
        }
    }
}
