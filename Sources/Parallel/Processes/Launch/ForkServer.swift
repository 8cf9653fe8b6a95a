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
/// When it has been idle for a few milliseconds the server forks up to ``spareCount`` *spares*:
/// workers that start their concurrency runtime and then wait for a channel. A request takes a spare
/// when there is one (a hand-over, no fork on the way) and forks a worker otherwise.
///
/// The protocol, over a `SOCK_SEQPACKET` socket pair (one message each way per worker):
/// - server → parent, once: `[status: Int64]`, 0 = ready, otherwise the thread count that forbids forking;
/// - parent → server: `[frame size cap: Int64, has initializer: Int64]` plus the worker's channel end
///   and the write end of the pipe that becomes its standard error (``WorkerStandardError``);
/// - server → parent: `[pid or -errno: Int64]` plus the read end of the worker's status pipe and a pidfd.
/// A spare gets the parent's request as it is, with both descriptors, on its own socket pair.
///
/// The server reaps its workers (`SIGCHLD` through a signalfd) and writes each one's wait status to its
/// pipe. When the parent's end of the socket closes (the parent exited or died) it kills its workers
/// and spares and exits; each of them also dies with the server (`PR_SET_PDEATHSIG`), so none can be
/// orphaned. The server is spawned in a process group of its own (``ProcessSpawner``), and what it
/// forks stays in that group: a terminal's Ctrl-C reaches none of them.
enum ForkServer {
    /// The message the server sends once it is ready.
    static let ready: Int64 = 0
    /// How many spares an idle server keeps.
    static let spareCount = 2
    /// How long, in milliseconds, the server must be idle before it forks a spare, so that the forks
    /// do not compete for the cores with the workers just handed out.
    static let spareDelay: Int32 = 5

    /// What a process forked by the server is to do.
    enum Role {
        /// Serve as a worker at once.
        case worker(WorkerEnvironment)
        /// Start up, then wait on this socket for a parent's request (``assignment(_:server:)``).
        case spare(socket: Int32)
    }

    #if os(Linux)
    /// A forked worker waiting for a request.
    private struct Spare {
        let pid: pid_t
        let socket: Int32
        let statusRead: Int32
        let statusWrite: Int32

        func discard() {
            _ = kill(pid, SIGKILL)
            for fd in [socket, statusRead, statusWrite] { close(fd) }
        }
    }

    /// A child just forked, seen from the server.
    private struct Child {
        let pid: pid_t
        let statusRead: Int32
        let statusWrite: Int32
    }

    /// Serves until the parent goes, then exits; returns only in a forked process, with its role.
    static func serve(_ environment: WorkerEnvironment) -> Role {
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
        var spares: [Spare] = []
        while true {
            var pollSet = [pollfd(fd: control, events: Int16(POLLIN), revents: 0), pollfd(fd: signals, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&pollSet, 2, spares.count < spareCount ? spareDelay : -1)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0 {
                // Idle: fork a spare.
                var pair: [Int32] = [-1, -1]
                guard socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
                    continue
                }
                switch fork(keeping: pair[1], server: server) {
                case .none:
                    close(pair[0])
                    close(pair[1])
                case .some(.left(let child)):
                    close(pair[1])
                    spares.append(Spare(pid: child.pid, socket: pair[0], statusRead: child.statusRead, statusWrite: child.statusWrite))
                case .some(.right):
                    return .spare(socket: WorkerEnvironment.channelDescriptor)
                }
                continue
            }
            if pollSet[1].revents != 0 { reap(signals, &statusPipes, &spares) }
            guard pollSet[0].revents != 0 else { continue }
            guard let message = receive(control, words: 2) else { break }  // the parent is gone
            guard let request = message.words, let channel = message.fds.first, message.fds.count == 2 else {
                for fd in message.fds { close(fd) }
                send(control, [-Int64(EINVAL)], fds: [])
                continue
            }
            let errorOutput = message.fds[1]
            // The oldest spare (it has had the longest to start its runtime), if one is waiting and
            // takes the request; a new worker otherwise. Oldest first also means a spare forked
            // between two requests of one pool does not jump ahead of the ones forked before them.
            var child: Child?
            while child == nil, !spares.isEmpty {
                let spare = spares.removeFirst()
                if send(spare.socket, request, fds: message.fds) {
                    close(spare.socket)
                    child = Child(pid: spare.pid, statusRead: spare.statusRead, statusWrite: spare.statusWrite)
                } else {
                    spare.discard()
                }
            }
            if child == nil {
                switch fork(keeping: channel, errorOutput: errorOutput, server: server) {
                case .none:
                    send(control, [-Int64(errno)], fds: [])
                    close(channel)
                    close(errorOutput)
                    continue
                case .some(.left(let forked)):
                    child = forked
                case .some(.right):
                    return .worker(workerEnvironment(for: request, server: server))
                }
            }
            close(channel)
            close(errorOutput)
            guard let child else { continue }
            let pidfd = parallel_pidfd_open(child.pid)
            send(control, [Int64(child.pid)], fds: pidfd >= 0 ? [child.statusRead, pidfd] : [child.statusRead])
            close(child.statusRead)
            if pidfd >= 0 { close(pidfd) }
            statusPipes[child.pid] = child.statusWrite
        }
        // The parent is gone: so are its workers and the spares.
        let children = Array(statusPipes.keys) + spares.map(\.pid)
        for pid in children { kill(pid, SIGKILL) }
        for pid in children {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        exit(0)
    }

    /// Either side of a fork.
    private enum Forked {
        case left(Child)
        case right
    }

    /// Forks a child whose descriptor 3 is `kept`, whose standard error is `errorOutput` if given,
    /// and which holds nothing else of the server's (nil if it failed, with `errno`): `.left` in the
    /// server, `.right` in the child.
    private static func fork(keeping kept: Int32, errorOutput: Int32? = nil, server: pid_t) -> Forked? {
        var status: [Int32] = [-1, -1]
        guard parallel_pipe_cloexec(&status) == 0 else { return nil }
        let pid = systemFork()
        if pid == 0 {
            // The child: `kept` becomes descriptor 3 (replacing the control socket), every other
            // descriptor of the server above it goes, signals are the spawner's defaults again.
            var none = sigset_t()
            sigemptyset(&none)
            sigprocmask(SIG_SETMASK, &none, nil)
            // The channel first: a descriptor received while 3 was taken is never 3, but may be 2.
            dup2(kept, WorkerEnvironment.channelDescriptor)
            if let errorOutput { dup2(errorOutput, STDERR_FILENO) }
            _ = parallel_close_from(WorkerEnvironment.channelDescriptor + 1)
            _ = parallel_die_with_parent()
            if getppid() != server { exit(0) }
            return .right
        }
        let forkError = errno
        guard pid > 0 else {
            close(status[0])
            close(status[1])
            errno = forkError
            return nil
        }
        return .left(Child(pid: pid, statusRead: status[0], statusWrite: status[1]))
    }

    /// Reaps every child that has exited: a worker's wait status goes to its pipe; a spare is dropped.
    private static func reap(_ signals: Int32, _ statusPipes: inout [pid_t: Int32], _ spares: inout [Spare]) {
        var drain = [UInt8](repeating: 0, count: 1024)
        while drain.withUnsafeMutableBytes({ read(signals, $0.baseAddress, $0.count) }) > 0 {}
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            if pid < 0 && errno == EINTR { continue }
            guard pid > 0 else { return }
            if let pipe = statusPipes.removeValue(forKey: pid) {
                _ = write(pipe, &status, MemoryLayout<Int32>.size)
                close(pipe)
            } else if let index = spares.firstIndex(where: { $0.pid == pid }) {
                spares.remove(at: index).discard()
            }
        }
    }

    /// In a spare: starts the concurrency runtime (this function runs on the global executor), then
    /// waits for the request the server passes on; returns the worker's environment, its channel on
    /// descriptor 3. Exits if the server goes first.
    static func assignment(_ socket: Int32, server: pid_t) async -> WorkerEnvironment {
        guard let message = receive(socket, words: 2), let request = message.words,
              let channel = message.fds.first, message.fds.count == 2
        else { exit(0) }
        dup2(channel, WorkerEnvironment.channelDescriptor)  // replaces the spare's socket
        dup2(message.fds[1], STDERR_FILENO)
        for fd in message.fds where fd > WorkerEnvironment.channelDescriptor { close(fd) }
        return workerEnvironment(for: request, server: server)
    }

    /// A worker's environment from a parent's request `[frame size cap, has initializer]`: its
    /// channel on descriptor 3, its parent the server.
    private static func workerEnvironment(for request: [Int64], server: pid_t) -> WorkerEnvironment {
        WorkerEnvironment(
            channel: WorkerEnvironment.channelDescriptor, parent: server,
            frameLimit: Int(clamping: max(1024, request[0])), hasInitializer: request[1] != 0
        )
    }
    #endif

    /// Receives one message and the descriptors it carries (close-on-exec); nil once the peer has
    /// gone. `words` is nil when the message was not `words` numbers long (its descriptors are still
    /// returned, for the caller to close).
    static func receive(_ socket: Int32, words: Int) -> (words: [Int64]?, fds: [Int32])? {
        var message = [Int64](repeating: 0, count: words)
        var passed: [Int32] = [-1, -1, -1, -1]
        var count: Int32 = 0
        let received = message.withUnsafeMutableBytes { bytes in
            parallel_receive_with_fds(socket, bytes.baseAddress, UInt(bytes.count), &passed, 4, &count, 0)
        }
        guard received > 0 else { return nil }
        let fds = Array(passed.prefix(Int(max(0, count))))
        return (received == words * MemoryLayout<Int64>.size ? message : nil, fds)
    }

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

#if os(Linux)
/// `fork`, under a name that ``ForkServer``'s own `fork(keeping:server:)` does not shadow.
private func systemFork() -> pid_t { fork() }
#endif
