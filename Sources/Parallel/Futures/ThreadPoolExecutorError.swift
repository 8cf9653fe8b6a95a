/// Why a ``ThreadPoolExecutor`` refused or failed work.
///
/// ```swift
/// do { _ = try executor.submit { work() } }
/// catch ThreadPoolExecutorError.shutDown { print("too late: the pool was shut down") }
/// ```
public enum ThreadPoolExecutorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Work was submitted after ``ThreadPoolExecutor/shutdown(wait:cancelPending:)`` (Python raises
    /// `RuntimeError: cannot schedule new futures after shutdown`).
    case shutDown
    /// A worker thread's initializer threw, so the pool takes no more work and fails its pending work
    /// (Python's `BrokenThreadPool`). `reason` describes the initializer's error.
    case broken(reason: String)

    /// What happened and what to do about it.
    ///
    /// ```swift
    /// print(ThreadPoolExecutorError.shutDown)   // the thread pool was shut down and accepts no new work; …
    /// ```
    public var description: String {
        switch self {
        case .shutDown:
            return "the thread pool was shut down and accepts no new work; create a new ThreadPoolExecutor"
        case .broken(let reason):
            return "the thread pool is broken: a worker initializer threw (\(reason)); fix the initializer and create a new pool"
        }
    }
}
