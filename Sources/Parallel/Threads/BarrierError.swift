/// What went wrong at a ``Barrier``.
///
/// ```swift
/// do { try barrier.wait(timeout: .seconds(1)) }
/// catch BarrierError.broken { print("someone timed out, failed or aborted: reset() before reusing it") }
/// catch { print(error) }
/// ```
public enum BarrierError: Error, Sendable, CustomStringConvertible {
    /// The barrier is broken: a waiter timed out, the action failed, ``Barrier/abort()`` or
    /// ``Barrier/reset()`` was called while threads were waiting (Python's `BrokenBarrierError`).
    case broken
    /// The barrier's action threw this error in the thread that ran it; the barrier is now broken
    /// and the other waiters get ``broken``.
    case actionFailed(any Error)

    /// What went wrong and what to do about it, in one sentence.
    public var description: String {
        switch self {
        case .broken:
            return "the barrier is broken (a waiter timed out, its action failed, or it was aborted or reset"
                + " while threads waited); call reset() before using it again"
        case .actionFailed(let error):
            return "the barrier's action failed, which broke the barrier: \(error)"
        }
    }
}
