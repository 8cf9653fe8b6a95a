/// Why a ``Future`` produced no value (other than the error its own work threw).
///
/// Python raises `concurrent.futures.CancelledError` and `TimeoutError`; here both are cases of one
/// typed error you can switch over.
///
/// ```swift
/// do { _ = try future.result(timeout: .seconds(1)) }
/// catch FutureError.timedOut(let after) { print("not ready after \(after)") }
/// catch FutureError.cancelled { print("cancelled before it ran") }
/// ```
public enum FutureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The future was cancelled before its work started (``Future/cancel()``, or
    /// ``ThreadPoolExecutor/shutdown(wait:cancelPending:)`` with `cancelPending: true`).
    case cancelled
    /// The result was not ready before the timeout (`after`) passed. The work itself goes on.
    case timedOut(after: Duration)

    /// What happened and what to do about it.
    ///
    /// ```swift
    /// print(FutureError.cancelled)   // the future was cancelled before its work started; …
    /// ```
    public var description: String {
        switch self {
        case .cancelled:
            return "the future was cancelled before its work started; it has no result"
        case .timedOut(let after):
            return "the result was not ready within \(after); the work goes on — wait longer or check isDone"
        }
    }
}
