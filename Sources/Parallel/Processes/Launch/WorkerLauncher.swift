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
/// that needs it and kept for the next pool until this process exits (it then exits too, taking its
/// workers) or ``stopForkServers()`` stops it. A program that cannot serve as one (it starts threads
/// before ``ProcessWorker/serveIfRequested(_:)``, or does not call it) is remembered, and its workers
/// are spawned from then on.
enum WorkerLauncher {
    private enum Server {
        case running(pid: pid_t, control: Int32)
        /// The program cannot fork for us (it started threads first): its workers are spawned.
        case unavailable
        /// The program stayed silent past a start timeout: it does not serve worker mode, and its
        /// workers fail to start with this reason, at once.
        case notServing(reason: String)
    }

    private struct Servers {
        var byExecutable: [WorkerExecutable: Server] = [:]
        /// How many live pools may fork from each executable's server.
        var pools: [WorkerExecutable: Int] = [:]
        /// Servers to stop when their last pool ends (``stopForkServers()`` came while one ran).
        var stopWhenUnused: Set<WorkerExecutable> = []
    }

    /// The fork servers; requests to one are serialized under this lock (each takes well under a millisecond).
    private static let state = LockedValue(Servers())

    /// A pool that forks from `executable`'s server has started: the server stays while it runs.
    static func poolStarted(_ executable: WorkerExecutable) {
        state.withLock { $0.pools[executable, default: 0] += 1 }
    }

    /// A pool that forked from `executable`'s server has ended (every worker reaped).
    static func poolEnded(_ executable: WorkerExecutable) {
        state.withLock { state in
            state.pools[executable, default: 1] -= 1
            guard state.pools[executable] == 0 else { return }
            state.pools[executable] = nil
            if state.stopWhenUnused.remove(executable) != nil { forget(executable, in: &state) }
        }
    }

    /// Stops every fork server no pool is using now, and each of the others when its last pool ends;
    /// the next pool starts a new one. What was learnt of programs that cannot serve is forgotten too.
    static func stopForkServers() {
        state.withLock { state in
            for executable in Array(state.byExecutable.keys) {
                if state.pools[executable] == nil {
                    forget(executable, in: &state)
                } else {
                    state.stopWhenUnused.insert(executable)
                }
            }
        }
    }

    private static func forget(_ executable: WorkerExecutable, in state: inout Servers) {
        #if os(Linux)
        if case .running(let pid, let control) = state.byExecutable[executable] { stop(pid, control) }
        #endif
        state.byExecutable[executable] = nil
    }

    /// Starts one worker of `executable`.
    ///
    /// A fork server that is not ready within `startTimeout` is a program that does not serve worker
    /// mode: the launch fails then, so the start timeout bounds a worker's whole start whatever the
    /// start method, and later launches of that executable fail at once.
    static func launch(
        _ executable: WorkerExecutable, frameLimit: Int, hasInitializer: Bool, method: ProcessPool.StartMethod,
        startTimeout: Duration
    ) throws(ProcessPoolError) -> WorkerProcess {
        guard WorkerEnvironment.rawValue == nil else { throw .workerModeNotServed }
        #if os(Linux)
        if method == .forkServer,
           let worker = try fork(executable, frameLimit: frameLimit, hasInitializer: hasInitializer, startTimeout: startTimeout) {
            return worker
        }
        #endif
        return WorkerProcess(spawned: try ProcessSpawner.spawn(executable, frameLimit: frameLimit, hasInitializer: hasInitializer, capture: .error))
    }

    /// The pid of `executable`'s fork server, if one is running.
    static func forkServerPID(of executable: WorkerExecutable) -> pid_t? {
        state.withLock { state in
            if case .running(let pid, _) = state.byExecutable[executable] { return pid }
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
    private static func fork(
        _ executable: WorkerExecutable, frameLimit: Int, hasInitializer: Bool, startTimeout: Duration
    ) throws(ProcessPoolError) -> WorkerProcess? {
        try state.withLock { state throws(ProcessPoolError) in
            for _ in 0..<2 {
                let server = state.byExecutable[executable] ?? start(executable, startTimeout: startTimeout)
                state.byExecutable[executable] = server
                if case .notServing(let reason) = server {
                    throw .spawnFailed(executable: executable.description, reason: reason)
                }
                guard case .running(let pid, let control) = server else { return nil }
                switch request(control, frameLimit: frameLimit, hasInitializer: hasInitializer) {
                case .worker(let worker):
                    return worker
                case .failed:
                    return nil
                case .broken:
                    stop(pid, control)
                    state.byExecutable[executable] = nil
                }
            }
            return nil
        }
    }

    /// Spawns `executable` as a fork server and waits, at most `startTimeout`, for its greeting.
    private static func start(_ executable: WorkerExecutable, startTimeout: Duration) -> Server {
        guard let process = try? ProcessSpawner.spawn(executable, frameLimit: 1024, hasInitializer: false, forkServer: true) else {
            return .unavailable
        }
        let control = process.channel
        _ = fcntl(control, F_SETFL, fcntl(control, F_GETFL) & ~O_NONBLOCK)
        // Only a program that does not serve worker mode stays silent past a start timeout.
        guard waitReadable(control, for: startTimeout) else {
            stop(process.pid, control)
            return .notServing(reason: ProcessPoolError.notServing("it did not start serving within \(startTimeout)"))
        }
        let greeting = ForkServer.receive(control, words: 1)
        let fds = greeting?.fds ?? []
        guard fds.isEmpty, greeting?.words == [ForkServer.ready] else {
            for fd in fds { close(fd) }
            stop(process.pid, control)
            return .unavailable
        }
        return .running(pid: process.pid, control: control)
    }

    /// Asks the server at `control` for one worker, with its channel and its standard error pipe.
    private static func request(_ control: Int32, frameLimit: Int, hasInitializer: Bool) -> Outcome {
        var pair: [Int32] = [-1, -1]
        var errorPipe: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            return .failed
        }
        guard parallel_pipe_cloexec(&errorPipe) == 0 else {
            close(pair[0])
            close(pair[1])
            return .failed
        }
        // The server holds its own copies of the worker's ends once the request is sent.
        defer {
            close(pair[1])
            close(errorPipe[1])
        }
        guard ForkServer.send(control, [Int64(frameLimit), hasInitializer ? 1 : 0], fds: [pair[1], errorPipe[1]]) else {
            close(pair[0])
            close(errorPipe[0])
            return .broken
        }
        let reply = ForkServer.receive(control, words: 1)
        let fds = reply?.fds ?? []
        guard let pid = reply?.words?.first, let statusPipe = fds.first, pid > 0, let pid32 = pid_t(exactly: pid) else {
            for fd in fds { close(fd) }
            close(pair[0])
            close(errorPipe[0])
            return reply?.words == nil ? .broken : .failed
        }
        for fd in [pair[0], errorPipe[0]] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        return .worker(WorkerProcess(
            forked: pid32, channel: pair[0], statusPipe: statusPipe, pidfd: fds.count > 1 ? fds[1] : -1, errorOutput: errorPipe[0]
        ))
    }

    /// Whether `fd` has something to read (or its end) within `limit`.
    private static func waitReadable(_ fd: Int32, for limit: Duration) -> Bool {
        let deadline = ContinuousClock.now + limit
        while true {
            let (seconds, attoseconds) = ContinuousClock.now.duration(to: deadline).components
            let milliseconds = max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
            var pollSet = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&pollSet, 1, Int32(clamping: milliseconds))
            if ready > 0 { return true }
            if ready == 0 || errno != EINTR { return false }
        }
    }

    /// Stops a server and reaps it (its workers die with it).
    private static func stop(_ pid: pid_t, _ control: Int32) {
        close(control)
        _ = kill(pid, SIGKILL)
        _ = reap(pid, blocking: true)
    }
    #endif
}
