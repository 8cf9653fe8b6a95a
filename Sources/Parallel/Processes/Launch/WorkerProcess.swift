#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CParallelShims

/// One running worker of a pool, however it started: its channel, and how to signal it and learn how
/// it ended.
///
/// A spawned worker is this process's child: `kill` and `waitpid`. A worker forked by a ``ForkServer``
/// is the server's child, so it is signalled through a pidfd (which cannot hit a reused pid) and its
/// exit status arrives on a pipe the server writes when it reaps it.
struct WorkerProcess: Sendable {
    let pid: pid_t
    /// The parent's end of the channel: a non-blocking, close-on-exec Unix stream socket.
    let channel: Int32
    /// Where the fork server reports the wait status; -1 for a spawned worker.
    let statusPipe: Int32
    /// A pidfd of a forked worker; -1 for a spawned one (or where the kernel has none).
    let pidfd: Int32
    /// The read end of the pipe that is the worker's standard error (non-blocking), for the pool's
    /// ``WorkerStandardError``; -1 if the worker writes to this process's.
    let errorOutput: Int32

    init(spawned process: SpawnedProcess) {
        pid = process.pid
        channel = process.channel
        statusPipe = -1
        pidfd = -1
        errorOutput = process.error ?? -1
        if errorOutput >= 0 { _ = fcntl(errorOutput, F_SETFL, fcntl(errorOutput, F_GETFL) | O_NONBLOCK) }
    }

    init(forked pid: pid_t, channel: Int32, statusPipe: Int32, pidfd: Int32, errorOutput: Int32) {
        self.pid = pid
        self.channel = channel
        self.statusPipe = statusPipe
        self.pidfd = pidfd
        self.errorOutput = errorOutput
    }

    /// Sends `signal` to the worker (nothing happens once it is gone).
    func signal(_ signal: Int32) {
        if pidfd >= 0 {
            _ = parallel_pidfd_send_signal(pidfd, signal)
        } else {
            _ = kill(pid, signal)
        }
    }

    /// How the worker ended, waiting for its end if `blocking`; nil while it runs. Call until it
    /// returns a value, and not after.
    func reap(blocking: Bool) -> WorkerExit? {
        guard statusPipe >= 0 else { return Parallel.reap(pid, blocking: blocking) }
        var poller = pollfd(fd: statusPipe, events: Int16(POLLIN), revents: 0)
        while poll(&poller, 1, blocking ? -1 : 0) < 0 {
            if errno != EINTR { return .exited(status: -1) }
        }
        if poller.revents == 0 { return nil }
        var status: Int32 = 0
        let count = read(statusPipe, &status, MemoryLayout<Int32>.size)
        // The server closes the pipe without a status only if it died itself, killing its workers.
        return count == MemoryLayout<Int32>.size ? WorkerExit(waitStatus: status) : .exited(status: -1)
    }

    /// Closes the channel, the standard error pipe and the descriptors that watch the process.
    func close() {
        for fd in [channel, statusPipe, pidfd, errorOutput] where fd >= 0 { _ = systemClose(fd) }
    }
}

/// `close`, under a name that `WorkerProcess.close()` does not shadow.
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
