#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CParallelShims

/// Starts a pool's workers: forked by the executable's ``ForkServer`` when the pool's start method asks
/// for one and the program can serve as one, spawned otherwise.
///
/// Each worker executable gets at most one fork server per process, started with the first worker
/// that needs it and kept until this process exits (it then exits too, taking its workers). A program
/// that cannot serve as one (it starts threads before ``ProcessWorker/serveIfRequested(_:)``, or does
/// not call it) is remembered, and its workers are spawned from then on.
enum WorkerLauncher {
    private enum Server {
        case running(pid: pid_t, control: Int32)
        case unavailable
    }

    /// The fork servers; requests to one are serialized under this lock (each takes well under a millisecond).
    private static let servers = LockedValue<[WorkerExecutable: Server]>([:])

    /// Starts one worker of `executable`.
    static func launch(
        _ executable: WorkerExecutable, frameLimit: Int, hasInitializer: Bool, method: ProcessPool.StartMethod
    ) throws(ProcessPoolError) -> WorkerProcess {
        guard WorkerEnvironment.rawValue == nil else { throw .workerModeNotServed }
        #if os(Linux)
        if method == .forkServer, let worker = fork(executable, frameLimit: frameLimit, hasInitializer: hasInitializer) {
            return worker
        }
        #endif
        return WorkerProcess(spawned: try ProcessSpawner.spawn(executable, frameLimit: frameLimit, hasInitializer: hasInitializer))
    }

    /// The pid of `executable`'s fork server, if one is running.
    static func forkServerPID(of executable: WorkerExecutable) -> pid_t? {
        servers.withLock { servers in
            if case .running(let pid, _) = servers[executable] { return pid }
            return nil
        }
    }

    #if os(Linux)
    private enum Outcome {
        case worker(WorkerProcess)
        /// The server could not fork (resources): the spawn that follows reports the error.
        case failed
        /// The server is gone or confused: replace it.
        case broken
    }

    /// A worker forked by `executable`'s server (started first if needed); nil to spawn instead.
    private static func fork(_ executable: WorkerExecutable, frameLimit: Int, hasInitializer: Bool) -> WorkerProcess? {
        servers.withLock { servers in
            for _ in 0..<2 {
                let server = servers[executable] ?? start(executable)
                servers[executable] = server
                guard case .running(let pid, let control) = server else { return nil }
                switch request(control, frameLimit: frameLimit, hasInitializer: hasInitializer) {
                case .worker(let worker):
                    return worker
                case .failed:
                    return nil
                case .broken:
                    stop(pid, control)
                    servers[executable] = nil
                }
            }
            return nil
        }
    }

    /// Spawns `executable` as a fork server and waits for its greeting.
    private static func start(_ executable: WorkerExecutable) -> Server {
        guard let process = try? ProcessSpawner.spawn(executable, frameLimit: 1024, hasInitializer: false, forkServer: true) else {
            return .unavailable
        }
        let control = process.channel
        _ = fcntl(control, F_SETFL, fcntl(control, F_GETFL) & ~O_NONBLOCK)
        // Only a program that does not serve worker mode is silent this long (a pool's default start
        // timeout); its workers are then spawned, and fail their start the same way.
        var limit = timeval(tv_sec: 10, tv_usec: 0)
        _ = setsockopt(control, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let greeting = ForkServer.receive(control, words: 1)
        let fds = greeting?.fds ?? []
        guard fds.isEmpty, greeting?.words == [ForkServer.ready] else {
            for fd in fds { close(fd) }
            stop(process.pid, control)
            return .unavailable
        }
        return .running(pid: process.pid, control: control)
    }

    /// Asks the server at `control` for one worker.
    private static func request(_ control: Int32, frameLimit: Int, hasInitializer: Bool) -> Outcome {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            return .failed
        }
        // The server holds its own copy of the worker's end once the request is sent.
        defer { close(pair[1]) }
        guard ForkServer.send(control, [Int64(frameLimit), hasInitializer ? 1 : 0], fds: [pair[1]]) else {
            close(pair[0])
            return .broken
        }
        let reply = ForkServer.receive(control, words: 1)
        let fds = reply?.fds ?? []
        guard let pid = reply?.words?.first, let statusPipe = fds.first, pid > 0, let pid32 = pid_t(exactly: pid) else {
            for fd in fds { close(fd) }
            close(pair[0])
            return reply?.words == nil ? .broken : .failed
        }
        _ = fcntl(pair[0], F_SETFL, fcntl(pair[0], F_GETFL) | O_NONBLOCK)
        return .worker(WorkerProcess(forked: pid32, channel: pair[0], statusPipe: statusPipe, pidfd: fds.count > 1 ? fds[1] : -1))
    }

    /// Stops a server and reaps it (its workers die with it).
    private static func stop(_ pid: pid_t, _ control: Int32) {
        close(control)
        _ = kill(pid, SIGKILL)
        _ = reap(pid, blocking: true)
    }
    #endif
}
