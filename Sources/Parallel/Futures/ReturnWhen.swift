/// When a `wait` returns (Python's `FIRST_COMPLETED`, `FIRST_EXCEPTION`, `ALL_COMPLETED`): shared by
/// the wait on ``Future``s (`wait(for:timeout:returnWhen:)`) and the wait on `Task`s
/// (`wait(_:timeout:clock:returnWhen:)`).
///
/// ```swift
/// let (done, notDone) = wait(for: futures, returnWhen: .firstCompleted)
/// let (finished, pending) = await wait(tasks, returnWhen: .firstException)
/// ```
public enum ReturnWhen: Sendable, Hashable {
    /// As soon as any future or task finishes, fails or is cancelled.
    case firstCompleted
    /// As soon as any future or task fails with an error (a cancelled future does not count); if none
    /// fails, when all are done.
    case firstException
    /// When every future or task is done.
    case allCompleted
}
