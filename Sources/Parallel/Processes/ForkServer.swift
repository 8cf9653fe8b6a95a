#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CParallelShims

/// A fork server: a copy of the worker program, started once, that forks a pool's workers on request
/// (Python's `forkserver` start method).
///
/// Starting a Swift program costs milliseconds, most of them in the dynamic loader; forking a loaded,
/// idle one costs a fraction of one. Forking is safe only while a process has a single thread, so the
/// server is the worker program stopped at the top of its `main`, inside
/// ``ProcessWorker/serveIfRequested(_:)``, before any thread or task exists. It checks that first and
/// refuses (the pool then spawns its workers) if the program has started threads before the call.
///
/// The protocol, over a `SOCK_SEQPACKET` socket pair (one message each way per worker):
/// - server → parent, once: `[status: Int64]`, 0 = ready, otherwise the thread count that forbids forking;
/// - parent → server: `[frame size cap: Int64, has initializer: Int64]` plus the worker's channel end;
/// - server → parent: `[pid or -errno: Int64]` plus the read end of the worker's status pipe and a pidfd.
///
/// The server reaps its workers (`SIGCHLD` through a signalfd) and writes each one's wait status to its
/// pipe. When the parent's end of the socket closes (the parent exited or died) it kills its workers
/// and exits; each worker also dies with the server (`PR_SET_PDEATHSIG`), so none can be orphaned.
enum ForkServer {
    /// The message the server sends once it is ready.
    static let ready: Int64 = 0

    #if os(Linux)
    /// Serves until the parent goes, then exits; returns only in a forked worker, with its environment.
    static func serve(_ environment: WorkerEnvironment) -> WorkerEnvironment {
        let control = environment.channel
        _ = fcntl(control, F_SETFD, FD_CLOEXEC)
        let threads = parallel_thread_count()
        guard threads == 1 else {
            send(control, [Int64(max(2, threads))], fds: [])
            exit(0)
        }
        // A worker's status pipe may be closed by a parent that gave up on it: EPIPE, not death.
        signal(SIGPIPE, SIG_IGN)
        let signals = parallel_sigchld_descriptor()
        guard signals >= 0, send(control, [ready], fds: []) else { exit(0) }
        let server = getpid()
        var statusPipes: [pid_t: Int32] = [:]
        while true {
            var pollSet = [pollfd(fd: control, events: Int16(POLLIN), revents: 0), pollfd(fd: signals, events: Int16(POLLIN), revents: 0)]
            if poll(&pollSet, 2, -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            if pollSet[1].revents != 0 { reapWorkers(signals, &statusPipes) }
            guard pollSet[0].revents != 0 else { continue }
            var request: [Int64] = [0, 0]
            var passed: [Int32] = [-1, -1, -1, -1]
            var count: Int32 = 0
            let received = request.withUnsafeMutableBytes { bytes in
                parallel_receive_with_fds(control, bytes.baseAddress, UInt(bytes.count), &passed, 4, &count)
            }
            if received <= 0 { break }  // the parent is gone
            let fds = passed.prefix(Int(count))
            guard received == 16, let channel = fds.first, fds.count == 1 else {
                for fd in fds { close(fd) }
                send(control, [-Int64(EINVAL)], fds: [])
                continue
            }
            var status: [Int32] = [-1, -1]
            guard parallel_pipe_cloexec(&status) == 0 else {
                send(control, [-Int64(errno)], fds: [])
                close(channel)
                continue
            }
            let pid = fork()
            if pid == 0 {
                // The worker: the channel becomes descriptor 3 (replacing the control socket); every
                // descriptor of the server above it goes; signals are the spawner's defaults again.
                var none = sigset_t()
                sigemptyset(&none)
                sigprocmask(SIG_SETMASK, &none, nil)
                dup2(channel, WorkerEnvironment.channelDescriptor)
                _ = parallel_close_from(WorkerEnvironment.channelDescriptor + 1)
                return WorkerEnvironment(
                    channel: WorkerEnvironment.channelDescriptor, parent: server,
                    frameLimit: Int(clamping: max(1024, request[0])), hasInitializer: request[1] != 0
                )
            }
            let forkError = errno
            close(channel)
            guard pid > 0 else {
                send(control, [-Int64(forkError)], fds: [])
                close(status[0])
                close(status[1])
                continue
            }
            let pidfd = parallel_pidfd_open(pid)
            send(control, [Int64(pid)], fds: pidfd >= 0 ? [status[0], pidfd] : [status[0]])
            close(status[0])
            if pidfd >= 0 { close(pidfd) }
            statusPipes[pid] = status[1]
        }
        // The parent is gone: so are its workers.
        for pid in statusPipes.keys { kill(pid, SIGKILL) }
        for pid in statusPipes.keys {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        exit(0)
    }

    /// Reaps every worker that has exited and writes its wait status to its pipe.
    private static func reapWorkers(_ signals: Int32, _ statusPipes: inout [pid_t: Int32]) {
        var drain = [UInt8](repeating: 0, count: 1024)
        while drain.withUnsafeMutableBytes({ read(signals, $0.baseAddress, $0.count) }) > 0 {}
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            if pid < 0 && errno == EINTR { continue }
            guard pid > 0 else { return }
            guard let pipe = statusPipes.removeValue(forKey: pid) else { continue }
            _ = write(pipe, &status, MemoryLayout<Int32>.size)
            close(pipe)
        }
    }
    #endif

    /// Sends one message with `fds`; whether it went.
    @discardableResult
    static func send(_ socket: Int32, _ message: [Int64], fds: [Int32]) -> Bool {
        message.withUnsafeBytes { bytes in
            fds.withUnsafeBufferPointer { passed in
                parallel_send_with_fds(socket, bytes.baseAddress, UInt(bytes.count), passed.baseAddress, Int32(passed.count))
            }
        } == message.count * MemoryLayout<Int64>.size
    }
}
