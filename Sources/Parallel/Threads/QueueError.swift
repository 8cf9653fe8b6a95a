/// Why a ``Queue`` operation did not complete.
///
/// ```swift
/// do { let job = try queue.get(timeout: .seconds(1)); run(job) }
/// catch QueueError.empty { print("nothing arrived within a second") }
/// catch QueueError.shutDown { print("no more work") }
/// catch { print(error) }
/// ```
public enum QueueError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The queue stayed full until the timeout (or was full for a non-blocking put): Python's `queue.Full`.
    case full
    /// The queue stayed empty until the timeout (or was empty for a non-blocking get): Python's `queue.Empty`.
    case empty
    /// The queue was shut down: puts are refused, and gets fail once the queue is drained
    /// (at once after an immediate shutdown). Python's `queue.ShutDown`.
    case shutDown
    /// ``Queue/taskDone()`` was called more times than items were put (Python's `ValueError`).
    case taskDoneTooManyTimes
    /// The task waiting in the async ``Queue/get()`` or ``Queue/put(_:)`` was cancelled; nothing
    /// was taken or added.
    case cancelled

    /// What went wrong and what to do about it, in one sentence.
    public var description: String {
        switch self {
        case .full:
            return "the queue is full (maxSize reached) and no slot freed up in time; retry, wait longer, or raise maxSize"
        case .empty:
            return "the queue is empty and no item arrived in time; retry or wait longer"
        case .shutDown:
            return "the queue has been shut down: it accepts no more items and has none left to give"
        case .taskDoneTooManyTimes:
            return "taskDone() was called more times than items were put; call it once per item you got"
        case .cancelled:
            return "the task waiting on the queue was cancelled; no item was taken or added"
        }
    }
}
