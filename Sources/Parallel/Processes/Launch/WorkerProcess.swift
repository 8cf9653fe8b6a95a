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
/// exit status arrives on a pipe the server writes when it reaps it. A worker on another host
/// (``HostLink``) is signalled through its link, which closes the status pipe once its exit is known.
struct WorkerProcess: Sendable {
    /// Its pid (0 for a worker on another host: the pid is that host's).
    let pid: pid_t
    /// The parent's end of the channel: a non-blocking, close-on-exec Unix stream socket; for a
    /// remote worker, the pipe it reads the worker's frames from.
    let channel: Int32
    /// Where the parent writes frames: `channel` itself, or a pipe for a remote worker.
    let output: Int32
    /// Where the fork server reports the wait status; -1 for a spawned worker.
    let statusPipe: Int32
    /// A pidfd of a forked worker; -1 for a spawned one (or where the kernel has none).
    let pidfd: Int32
    /// The read end of the pipe that is the worker's standard error (non-blocking), for the pool's
    /// ``WorkerStandardError``; -1 if the worker writes to this process's.
    let errorOutput: Int32
    /// The worker on another host, or nil.
    let remote: RemoteWorker?

    init(spawned process: SpawnedProcess) {
        pid = process.pid
        channel = process.channel
        output = process.channel
        remote = nil
        statusPipe = -1
        pidfd = -1
        errorOutput = process.error ?? -1
        if errorOutput >= 0 { _ = fcntl(errorOutput, F_SETFL, fcntl(errorOutput, F_GETFL) | O_NONBLOCK) }
    }

    init(forked pid: pid_t, channel: Int32, statusPipe: Int32, pidfd: Int32, errorOutput: Int32) {
        self.pid = pid
        self.channel = channel
        output = channel
        remote = nil
        self.statusPipe = statusPipe
        self.pidfd = pidfd
        self.errorOutput = errorOutput
    }

    init(remote: RemoteWorker, channel: Int32, output: Int32, statusPipe: Int32, errorOutput: Int32) {
        pid = 0
        self.channel = channel
        self.output = output
        self.remote = remote
        self.statusPipe = statusPipe
        pidfd = -1
        self.errorOutput = errorOutput
    }

    /// Sends `signal` to the worker (nothing happens once it is gone).
    func signal(_ signal: Int32) {
        if let remote {
            remote.link.signal(remote.id, signal)
        } else if pidfd >= 0 {
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
        // A remote worker's link closes the pipe once it has set the exit.
        if let remote { return remote.exit.withLock { $0 } ?? .lost(host: remote.link.host.name, reason: "its link ended") }
        var status: Int32 = 0
        let count = read(statusPipe, &status, MemoryLayout<Int32>.size)
        // The server closes the pipe without a status only if it died itself, killing its workers.
        return count == MemoryLayout<Int32>.size ? WorkerExit(waitStatus: status) : .exited(status: -1)
    }

    /// Closes the channel, the standard error pipe and the descriptors that watch the process. A
    /// separate write end that the channel closed already (``WorkerChannel/closeOutput()``) is left
    /// alone: its number may be another descriptor's by now.
    func close(outputClosedByChannel: Bool = false) {
        var descriptors: Set = [channel, statusPipe, pidfd, errorOutput]
        if output != channel && !outputClosedByChannel { descriptors.insert(output) }
        for fd in descriptors where fd >= 0 { _ = systemClose(fd) }
    }
}

/// `close`, under a name that `WorkerProcess.close()` does not shadow.
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
