#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CParallelShims

/// A pipe whose read end sits in the pool loop's `poll` set: a byte written wakes the loop from
/// another thread. Writes are coalesced: one byte until the loop next drains the pipe.
///
/// ```swift
/// let wake = try WakePipe()
/// wake.wake()               // from a caller, under the pool's lock
/// wake.drain()              // on the loop, when poll says the read end is readable
/// ```
struct WakePipe: Sendable {
    let readEnd: Int32
    let writeEnd: Int32
    /// Whether a byte was written since the loop last rearmed (a reference: copies of the pipe share
    /// it). Callers set it, the loop clears it before each `poll`.
    private let pending = LockedValue(false)

    init() throws(ProcessPoolError) {
        var fds: [Int32] = [-1, -1]
        guard parallel_pipe_cloexec(&fds) == 0 else {
            throw .spawnFailed(executable: "the pool's wake-up pipe", reason: String(cString: strerror(errno)))
        }
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        readEnd = fds[0]
        writeEnd = fds[1]
    }

    /// Wakes the loop (once until it next polls).
    func wake() {
        let first = pending.withLock { pending in
            defer { pending = true }
            return !pending
        }
        guard first else { return }
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Called by the loop before it polls: the next ``wake()`` writes again.
    func rearm() {
        pending.withLock { $0 = false }
    }

    /// Empties the pipe after `poll` reported it readable.
    func drain() {
        var bytes = [UInt8](repeating: 0, count: 64)
        while bytes.withUnsafeMutableBytes({ read(readEnd, $0.baseAddress, $0.count) }) > 0 {}
    }

    /// Closes both ends (once the loop is done with them).
    func close() {
        _ = systemClose(readEnd)
        _ = systemClose(writeEnd)
    }
}

/// `close(2)`, under a name that ``WakePipe/close()`` does not shadow.
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
