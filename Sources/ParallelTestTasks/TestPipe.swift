#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CParallelShims

/// A pipe whose two ends close on `exec`, made in one step (`pipe2(O_CLOEXEC)` on Linux).
///
/// Tests run side by side with tests that start programs; a plain `pipe` end would be inherited
/// by such a program, and closing it here would then not end the stream for the reader.
///
/// ```swift
/// let (read, write) = try #require(TestPipe.make(nonBlocking: true))
/// ```
public enum TestPipe {
    /// The read and write ends, or nil if the system refused (errno says why).
    public static func make(nonBlocking: Bool = false) -> (read: Int32, write: Int32)? {
        var fds: [Int32] = [-1, -1]
        guard parallel_pipe_cloexec(&fds) == 0 else { return nil }
        if nonBlocking {
            for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        }
        return (fds[0], fds[1])
    }
}
