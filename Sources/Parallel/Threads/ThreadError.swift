/// Why a thread, a thread-local slot or a timer could not be created.
///
/// Thrown by ``spawnThread(name:stackSize:_:)``, ``ThreadLocal/init(default:)`` and
/// ``ThreadTimer/init(after:name:_:)``. These failures come from the operating system running out of
/// threads, memory or thread-local keys, or from a stack size it refuses.
///
/// ```swift
/// do { _ = try spawnThread(name: "worker", stackSize: 1) { 42 } }
/// catch ThreadError.invalidStackSize(let requested, let minimum) { print(requested, minimum) }
/// ```
public enum ThreadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `pthread_create` failed with this `errno` value (usually `EAGAIN`: too many threads).
    case couldNotStart(name: String, errno: Int32)
    /// The requested stack size is below the system minimum (`PTHREAD_STACK_MIN`) or not acceptable.
    case invalidStackSize(requested: Int, minimum: Int)
    /// `pthread_key_create` failed with this `errno` value (usually `EAGAIN`: too many keys).
    case threadLocalKeyUnavailable(errno: Int32)

    /// What went wrong and what to do about it, in one sentence.
    public var description: String {
        switch self {
        case .couldNotStart(let name, let code):
            return "could not start thread '\(name)': pthread_create failed with errno \(code)"
                + " (EAGAIN means the system limit on threads or memory is reached; join finished threads first)"
        case .invalidStackSize(let requested, let minimum):
            return "stack size \(requested) bytes is not accepted; pass at least \(minimum) bytes"
                + " (a multiple of the page size), or nil for the system default"
        case .threadLocalKeyUnavailable(let code):
            return "could not create a ThreadLocal: pthread_key_create failed with errno \(code)"
                + " (EAGAIN means the process has used all its thread-local keys; reuse ThreadLocal instances)"
        }
    }
}
