/// Why shared memory could not be made or received.
///
/// ```swift
/// do { _ = try SharedArray<Double>(count: 1 << 40) } catch let error as SharedMemoryError { print(error) }
/// ```
public enum SharedMemoryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A system call failed: its name, `errno`, and the size asked for.
    case systemCall(String, errno: Int32, bytes: Int)
    /// What arrived from another process does not describe shared memory this process can map.
    case malformed(String)

    /// What went wrong and what to do.
    public var description: String {
        switch self {
        case .systemCall(let call, let code, let bytes):
            "\(call) failed for \(bytes) bytes of shared memory: \(String(cString: strerror(code))) (errno \(code)); "
                + "ask for less, or raise the limit the system sets (memory, RLIMIT_NOFILE)"
        case .malformed(let why):
            "not shared memory this process can map: \(why)"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
