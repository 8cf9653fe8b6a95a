#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ParallelTestTasks

/// SIGINT as a program that handles it sees it (the `sigint-map handle` mode): the handler writes a
/// byte to a pipe (`write` is async-signal-safe), and ``wait(milliseconds:)`` waits for it with `poll`.
enum Interrupts {
    /// The self-pipe, made before the handler is installed (so the handler never initialises it).
    static let selfPipe: (read: Int32, write: Int32) = {
        TestPipe.make() ?? (-1, -1)
    }()

    /// Installs the SIGINT handler; false if the pipe could not be made.
    static func install() -> Bool {
        guard selfPipe.write >= 0 else { return false }
        signal(SIGINT) { _ in
            var byte: UInt8 = 1
            _ = write(Interrupts.selfPipe.write, &byte, 1)
        }
        return true
    }

    /// Whether a SIGINT arrived, waiting for one at most `milliseconds`.
    static func wait(milliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: selfPipe.read, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&descriptor, 1, milliseconds)
            if ready < 0 && errno == EINTR { continue }
            return ready > 0
        }
    }
}
