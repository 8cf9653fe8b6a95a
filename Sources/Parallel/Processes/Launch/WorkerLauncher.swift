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

    /// One executable's server, or what was learnt of it. Its own lock serializes the server's start
    /// and the requests to it, so neither holds the table's lock: a pool that starts (its init runs on
    /// the caller's thread, often a cooperative one) or a launch from another executable never waits
    /// behind a server that is slow to greet. (One table lock held through a start blocked every
    /// pool's creation for as long as a loaded machine took to start the first server: 10 to 56 s in
    /// a full test run, with both cooperative threads stuck behind it.)
    private struct Slot {
        var server: Server?
        /// Taken out of the table (``stopForkServers()``): a launch that still holds it spawns instead.
        var retired = false
    }

    private struct Servers {
        var slots: [WorkerExecutable: LockedValue<Slot>] = [:]
        /// How many live pools may fork from each executable's server.
        var pools: [WorkerExecutable: Int] = [:]
        /// Servers to stop when their last pool ends (``stopForkServers()`` came while one ran).
        var stopWhenUnused: Set<WorkerExecutable> = []
    }

    /// Which executables have a slot, and the pools using each; held only for those lookups.
    private static let state = LockedValue(Servers())

    /// A pool that forks from `executable`'s server has started: the server stays while it runs.
    static func poolStarted(_ executable: WorkerExecutable) {
        state.withLock { $0.pools[executable, default: 0] += 1 }
    }

    /// A pool that forked from `executable`'s server has ended (every worker reaped).
    static func poolEnded(_ executable: WorkerExecutable) {
        let unused = state.withLock { state -> LockedValue<Slot>? in
            state.pools[executable, default: 1] -= 1
            guard state.pools[executable] == 0 else { return nil }
            state.pools[executable] = nil
            guard state.stopWhenUnused.remove(executable) != nil else { return nil }
            return state.slots.removeValue(forKey: executable)
        }
        if let unused { retire(unused) }
    }

    /// Stops every fork server no pool is using now, and each of the others when its last pool ends;
    /// the next pool starts a new one. What was learnt of programs that cannot serve is forgotten too.
    static func stopForkServers() {
        let unused = state.withLock { state -> [LockedValue<Slot>] in
            var unused: [LockedValue<Slot>] = []
            for executable in Array(state.slots.keys) {
                if state.pools[executable] == nil {
                    if let slot = state.slots.removeValue(forKey: executable) { unused.append(slot) }
                } else {
                    state.stopWhenUnused.insert(executable)
                }
            }
            return unused
        }
        for slot in unused { retire(slot) }
    }

    /// Stops a slot's server, if it runs, once the request or start in progress is over.
    private static func retire(_ slot: LockedValue<Slot>) {
        slot.withLock { slot in
            #if os(Linux)
            if case .running(let pid, let control) = slot.server { stop(pid, control) }
            #endif
            slot.server = nil
            slot.retired = true
        }
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
        let slot = state.withLock { state -> LockedValue<Slot> in
            if let slot = state.slots[executable] { return slot }
            let slot = LockedValue(Slot())
            state.slots[executable] = slot
            return slot
        }
        return try slot.withLock { slot throws(ProcessPoolError) -> WorkerProcess? in
            guard !slot.retired else { return nil }
            for _ in 0..<2 {
                let server = slot.server ?? start(executable, startTimeout: startTimeout)
                slot.server = server
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
                    slot.server = nil
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
