#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CParallelShims
import DequeModule

/// A worker's answer to one request, still encoded: callers decode it on their own thread.
enum RequestReply: Sendable {
    case outputs([UInt8])
    case results([Frame.ItemResult])
}

/// How a request ends: the reply, a ``ProcessPoolError`` naming the task, or `CancellationError`.
typealias RequestCompletion = @Sendable (Result<RequestReply, any Error>) -> Void

/// The process pool's engine: the ``PoolSupervisor`` behind a lock, plus the I/O it asks for.
///
/// One service thread (the *loop*) spawns and reaps the workers and reads every channel with `poll`;
/// callers write requests straight into a worker's channel when it has room (no thread hop on the
/// way out). Every state change happens under the lock, in one place; frame writes and kills are
/// performed inside it too (they are non-blocking system calls whose order and pid-safety depend on
/// the state), while callers' completions always run outside it.
final class PoolCore: Sendable {
    struct Options: Sendable {
        var configuration: PoolSupervisor.Configuration
        var executable: WorkerExecutable
        var frameLimit: Int
        var initializer: (task: String, payload: [UInt8])?
        var eager: Bool
        var startMethod: ProcessPool.StartMethod
    }

    private struct Pending {
        let task: String
        let frame: [UInt8]
        let completion: RequestCompletion
    }

    private struct Connection {
        var process: WorkerProcess?
        var outbound: [UInt8] = []
        var outboundStart = 0
        var reaped = false
        /// A kill was asked for: sent to the process, or to be sent as soon as it exists.
        var killed = false
        var retirePending = false
        /// Stopped reading frames after a protocol error: the rest is noise until the exit.
        var broken = false
        var wantsWrite: Bool { fd >= 0 && outboundStart < outbound.count }
        var pid: pid_t { process?.pid ?? 0 }
        /// The channel, once the worker has started.
        var fd: Int32 { process?.channel ?? -1 }
    }

    /// What a locked section leaves to do once the lock is released.
    private struct Effects {
        var completions: [() -> Void] = []
    }

    private struct State {
        /// The write end of the wake-up pipe; closed, under the lock, when the loop exits.
        let wakeWrite: Int32
        var supervisor: PoolSupervisor
        var pending: [UInt64: Pending] = [:]
        var connections: [Int: Connection] = [:]
        var spawnQueue: [Int] = []
        /// Ids handed out by `makeID` and not yet submitted or forgotten.
        var unsubmitted: Set<UInt64> = []
        /// Unsubmitted ids whose caller was cancelled already: their submit fails at once.
        var earlyCancelled: Set<UInt64> = []
        var nextID: UInt64 = 1
        var wakePending = false
        /// The deadline the loop's current `poll` wakes up for (nil: none).
        var loopDeadline: ContinuousClock.Instant?
        var stopped = false
        /// The loop has ended and resumed its stop waiters: later waiters return at once.
        var loopExited = false
        var stopWaiters: [CheckedContinuation<Void, Never>] = []
    }

    let options: Options
    private let state: LockedValue<State>
    /// A pipe whose read end is in the loop's poll set: a byte written wakes the loop.
    private let wakeRead: Int32

    init(options: Options) throws(ProcessPoolError) {
        self.options = options
        var fds: [Int32] = [-1, -1]
        guard parallel_pipe_cloexec(&fds) == 0 else {
            throw .spawnFailed(executable: "the pool's wake-up pipe", reason: String(cString: strerror(errno)))
        }
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        wakeRead = fds[0]
        var initial = State(wakeWrite: fds[1], supervisor: PoolSupervisor(configuration: options.configuration))
        if options.eager {
            var effects = Effects()
            Self.perform(initial.supervisor.start(now: .now), in: &initial, options: options, effects: &effects)
        }
        state = LockedValue(initial)
        if options.startMethod == .forkServer { WorkerLauncher.poolStarted(options.executable) }
        do {
            try startServiceThread { [self] in runLoop() }
        } catch {
            if options.startMethod == .forkServer { WorkerLauncher.poolEnded(options.executable) }
            close(fds[0])
            close(fds[1])
            throw error
        }
    }

    // MARK: Callers

    /// Process ids of the workers running now: not those being killed, nor any reaped (whose pid
    /// the system may have given to another process).
    var workerPIDs: [pid_t] {
        state.withLock { state in
            state.connections.values.filter { $0.pid > 0 && !$0.reaped && !$0.killed }.map(\.pid).sorted()
        }
    }

    /// A fresh request id (ids are never reused).
    func makeID() -> UInt64 {
        state.withLock { state in
            defer { state.nextID += 1 }
            state.unsubmitted.insert(state.nextID)
            return state.nextID
        }
    }

    /// Sends `count` inputs encoded in `payload` to `task`; `completion` runs exactly once.
    func submit(
        id: UInt64, task: String, count: Int, payload: [UInt8], timeout: Duration?,
        completion: @escaping RequestCompletion
    ) {
        let frame = Frame.run(id: id, task: task, count: count, payload: payload).encoded()
        let size = frame.count - Frame.headerSize
        guard size <= options.frameLimit else {
            forget(id)
            completion(.failure(ProcessPoolError.frameTooLarge(task: task, size: size, limit: options.frameLimit)))
            return
        }
        withState { state, effects in
            state.unsubmitted.remove(id)
            if state.earlyCancelled.remove(id) != nil {
                effects.completions.append { completion(.failure(CancellationError())) }
                return
            }
            guard state.supervisor.isAccepting else {
                effects.completions.append { completion(.failure(ProcessPoolError.shutDown(task: task))) }
                return
            }
            state.pending[id] = Pending(task: task, frame: frame, completion: completion)
            Self.perform(state.supervisor.submit(id, timeout: timeout, now: .now), in: &state, options: options, effects: &effects)
        }
    }

    /// Gives up on request `id`: its completion gets `CancellationError` and the remote work stops.
    func cancel(_ id: UInt64) {
        cancel([id])
    }

    /// Gives up on every request in `ids` at once (see ``PoolSupervisor/cancel(_:now:)``).
    func cancel(_ ids: some Sequence<UInt64>) {
        withState { state, effects in
            var submitted: [UInt64] = []
            for id in ids {
                if state.pending[id] != nil {
                    submitted.append(id)
                } else if state.unsubmitted.contains(id) {
                    // Not submitted yet: remember for the submit. Already finished: nothing to do.
                    state.earlyCancelled.insert(id)
                }
            }
            guard !submitted.isEmpty else { return }
            Self.perform(state.supervisor.cancel(submitted, now: .now), in: &state, options: options, effects: &effects)
        }
    }

    /// Forgets an id that was made but never submitted (its early cancellation, if any).
    func forget(_ id: UInt64) {
        state.withLock { state in
            state.unsubmitted.remove(id)
            state.earlyCancelled.remove(id)
        }
    }

    /// Starts a shutdown and waits until every worker has exited and been reaped.
    func shutdown(immediately: Bool) async {
        beginShutdown(immediately: immediately)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state in
                if state.loopExited { return true }
                state.stopWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Starts a shutdown without waiting (the pool's `deinit`).
    func beginShutdown(immediately: Bool) {
        withState { state, effects in
            Self.perform(state.supervisor.shutdown(immediately: immediately, now: .now), in: &state, options: options, effects: &effects)
        }
    }

    /// Runs `body` under the lock, then the completions and the wake-up it asked for.
    private func withState(_ body: (inout State, inout Effects) -> Void) {
        let effects = state.withLock { state in
            var effects = Effects()
            body(&state, &effects)
            // A new, earlier timeout must cut the loop's poll short.
            if let deadline = state.supervisor.nextDeadline, state.loopDeadline.map({ deadline < $0 }) ?? true {
                Self.requestWake(&state, &effects)
            }
            return effects
        }
        for completion in effects.completions { completion() }
    }


    // MARK: Performing actions (under the lock)

    /// Applies the supervisor's actions: writes, kills and retirements now; spawns for the loop;
    /// completions and wake-ups into `effects`.
    private static func perform(
        _ actions: [PoolSupervisor.Action], in state: inout State, options: Options, effects: inout Effects
    ) {
        for action in actions {
            switch action {
            case .spawn(let worker):
                state.connections[worker] = Connection()
                if let initializer = options.initializer {
                    state.connections[worker]?.outbound = Frame.initialize(task: initializer.task, payload: initializer.payload).encoded()
                }
                state.spawnQueue.append(worker)
                Self.requestWake(&state, &effects)
            case .send(let id, let worker):
                guard let frame = state.pending[id]?.frame else { continue }
                enqueue(frame, to: worker, in: &state, &effects)
            case .sendCancel(let id, let worker):
                enqueue(Frame.cancel(id: id).encoded(), to: worker, in: &state, &effects)
            case .kill(let worker):
                guard var connection = state.connections[worker] else { continue }
                connection.killed = true
                if let process = connection.process, !connection.reaped { process.signal(SIGKILL) }
                state.connections[worker] = connection
            case .retire(let worker):
                guard var connection = state.connections[worker] else { continue }
                if connection.fd >= 0 {
                    systemShutdown(connection.fd)
                } else {
                    connection.retirePending = true
                }
                state.connections[worker] = connection
            case .fail(let id, let failure):
                guard let pending = state.pending.removeValue(forKey: id) else { continue }
                let error = error(failure, task: pending.task, options: options)
                effects.completions.append { pending.completion(.failure(error)) }
            case .stopped:
                state.stopped = true
                Self.requestWake(&state, &effects)
            }
        }
    }

    /// Wakes the loop (once until it next polls). Under the lock, so the pipe cannot be closed meanwhile.
    private static func requestWake(_ state: inout State, _ effects: inout Effects) {
        if !state.wakePending && !state.loopExited {
            state.wakePending = true
            var byte: UInt8 = 1
            _ = systemWrite(state.wakeWrite, &byte, 1)
        }
    }

    private static func error(_ failure: PoolSupervisor.Failure, task: String, options: Options) -> any Error {
        switch failure {
        case .crashed(let exit): ProcessPoolError.workerCrashed(task: task, exit: exit)
        case .timedOut(let after): ProcessPoolError.timedOut(task: task, after: after)
        case .channel(let detail): ProcessPoolError.channelCorrupted(task: task, detail: detail)
        case .frameTooLarge(let size, let limit): ProcessPoolError.frameTooLarge(task: task, size: size, limit: limit)
        case .initializer(let type, let message): ProcessPoolError.initializerFailed(task: task, type: type, message: message)
        case .spawn(let reason): ProcessPoolError.spawnFailed(executable: options.executable.description, reason: reason)
        case .shutDown: ProcessPoolError.shutDown(task: task)
        case .cancelled: CancellationError()
        }
    }

    private static func enqueue(_ frame: [UInt8], to worker: Int, in state: inout State, _ effects: inout Effects) {
        guard var connection = state.connections[worker] else { return }
        state.connections[worker] = nil  // avoid a copy of the buffer while appending
        connection.outbound.append(contentsOf: frame)
        flush(&connection)
        if connection.wantsWrite { Self.requestWake(&state, &effects) }
        state.connections[worker] = connection
    }

    /// Writes as much of the connection's outbound bytes as the socket takes without blocking.
    private static func flush(_ connection: inout Connection) {
        guard connection.fd >= 0 else { return }
        while connection.outboundStart < connection.outbound.count {
            let fd = connection.fd
            let start = connection.outboundStart
            let sent = connection.outbound.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return send(fd, base + start, buffer.count - start, noSignalFlag | Int32(MSG_DONTWAIT))
            }
            if sent > 0 {
                connection.outboundStart += sent
            } else if sent < 0 && errno == EINTR {
                continue
            } else if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return
            } else {
                // The worker is gone; its exit is reported through the end of its channel.
                connection.outboundStart = connection.outbound.count
            }
        }
        connection.outbound.removeAll(keepingCapacity: connection.outbound.count < 1 << 20)
        connection.outboundStart = 0
    }

    // MARK: The loop (service thread)

    private func runLoop() {
        var readers: [Int: FrameBuffer] = [:]
        var buffer = [UInt8](repeating: 0, count: 1 << 18)
        while true {
            let toSpawn = state.withLock { state in
                defer { state.spawnQueue.removeAll() }
                return state.spawnQueue
            }
            for worker in toSpawn { spawn(worker, readers: &readers) }

            let (pollSet, workersPolled, timeout, stop) = state.withLock { state in
                state.wakePending = false
                var pollSet = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
                var workersPolled: [Int] = []
                for (worker, connection) in state.connections where connection.fd >= 0 && !connection.reaped {
                    let events = Int16(POLLIN) | (connection.wantsWrite ? Int16(POLLOUT) : 0)
                    pollSet.append(pollfd(fd: connection.fd, events: events, revents: 0))
                    workersPolled.append(worker)
                }
                var timeout: Int32 = -1
                state.loopDeadline = state.supervisor.nextDeadline
                if let deadline = state.supervisor.nextDeadline {
                    let remaining = ContinuousClock.now.duration(to: deadline)
                    let (seconds, attoseconds) = remaining.components
                    let milliseconds = max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
                    timeout = Int32(clamping: milliseconds)
                }
                let stop = state.stopped && state.connections.isEmpty && state.spawnQueue.isEmpty
                if !state.spawnQueue.isEmpty { timeout = 0 }
                return (pollSet, workersPolled, timeout, stop)
            }
            if stop { break }

            var fds = pollSet
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0 && errno != EINTR { break }
            if fds[0].revents != 0 { drainWake() }
            for (offset, worker) in workersPolled.enumerated() {
                let revents = fds[offset + 1].revents
                if revents & Int16(POLLOUT) != 0 {
                    state.withLock { state in
                        if var connection = state.connections[worker] {
                            state.connections[worker] = nil
                            Self.flush(&connection)
                            state.connections[worker] = connection
                        }
                    }
                }
                if revents & (Int16(POLLIN) | Int16(POLLHUP) | Int16(POLLERR)) != 0 {
                    read(worker, fd: fds[offset + 1].fd, readers: &readers, buffer: &buffer)
                }
            }
            withState { state, effects in
                Self.perform(state.supervisor.tick(now: .now), in: &state, options: options, effects: &effects)
            }
        }
        // Only after a failed `poll`: never leave a worker running or a caller waiting.
        let leftovers = state.withLock { state in
            defer { state.connections.removeAll() }
            return state.connections.values.filter { !$0.reaped }.compactMap(\.process)
        }
        for process in leftovers {
            process.signal(SIGKILL)
            _ = process.reap(blocking: true)
            process.close()
        }
        withState { state, effects in
            for (id, pending) in state.pending {
                effects.completions.append { pending.completion(.failure(ProcessPoolError.shutDown(task: pending.task))) }
                state.pending[id] = nil
            }
        }
        if options.startMethod == .forkServer { WorkerLauncher.poolEnded(options.executable) }
        let waiters = state.withLock { state in
            state.loopExited = true
            close(wakeRead)
            close(state.wakeWrite)
            defer { state.stopWaiters.removeAll() }
            return state.stopWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func drainWake() {
        var bytes = [UInt8](repeating: 0, count: 64)
        while bytes.withUnsafeMutableBytes({ systemRead(wakeRead, $0.baseAddress, $0.count) }) > 0 {}
    }

    private func spawn(_ worker: Int, readers: inout [Int: FrameBuffer]) {
        let result = Result { () throws(ProcessPoolError) -> WorkerProcess in
            try WorkerLauncher.launch(
                options.executable, frameLimit: options.frameLimit, hasInitializer: options.initializer != nil,
                method: options.startMethod, startTimeout: options.configuration.startTimeout
            )
        }
        withState { state, effects in
            switch result {
            case .success(let process):
                guard var connection = state.connections[worker] else {
                    // Cannot happen: connections leave only on the loop thread, after their spawn.
                    process.signal(SIGKILL)
                    _ = process.reap(blocking: true)
                    process.close()
                    return
                }
                state.connections[worker] = nil
                connection.process = process
                readers[worker] = FrameBuffer(limit: options.frameLimit)
                state.supervisor.workerStarted(worker, now: .now)
                Self.flush(&connection)
                if connection.killed { process.signal(SIGKILL) }
                if connection.retirePending { systemShutdown(process.channel) }
                state.connections[worker] = connection
            case .failure(let error):
                state.connections[worker] = nil
                let reason: String = if case .spawnFailed(_, let reason) = error { reason } else { error.description }
                Self.perform(state.supervisor.spawnFailed(worker, reason: reason, now: .now), in: &state, options: options, effects: &effects)
            }
        }
    }

    /// Reads what a worker sent and handles its frames; at the end of the channel, reaps the worker.
    private func read(_ worker: Int, fd: Int32, readers: inout [Int: FrameBuffer], buffer: inout [UInt8]) {
        var endOfChannel = false
        var rounds = 0
        while rounds < 8 {
            rounds += 1
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 {
                buffer.withUnsafeBytes { readers[worker]?.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                if count < buffer.count { break }
            } else if count == 0 {
                endOfChannel = true
                break
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                break
            } else {
                endOfChannel = true
                break
            }
        }
        let now = ContinuousClock.now
        withState { state, effects in
            if state.connections[worker]?.broken == false {
                handleFrames(from: worker, reader: &readers[worker], state: &state, now: now, effects: &effects)
                Self.perform(state.supervisor.batchEnded(worker), in: &state, options: options, effects: &effects)
            }
            if endOfChannel, let pending = readers[worker]?.pendingCount, pending > 0,
               state.connections[worker]?.broken == false {
                state.connections[worker]?.broken = true
                Self.perform(
                    state.supervisor.workerBroke(worker, .channel("a truncated frame: the channel ended \(pending) bytes into a message")),
                    in: &state, options: options, effects: &effects
                )
            }
        }
        guard endOfChannel else { return }

        // From here on only this thread may signal the worker: once `reaped` is set under the lock,
        // no `.kill` action touches the pid, so it cannot hit a reused pid after the reap below.
        let process = state.withLock { state -> WorkerProcess? in
            state.connections[worker]?.reaped = true
            return state.connections[worker]?.process
        }
        guard let process else { return }
        // The channel ends when the worker exits; if it closed it and lives on, it is killed.
        var exit = process.reap(blocking: false)
        if exit == nil {
            process.signal(SIGKILL)
            exit = process.reap(blocking: true)
        }
        readers[worker] = nil
        withState { state, effects in
            if let connection = state.connections.removeValue(forKey: worker) { connection.process?.close() }
            Self.perform(
                state.supervisor.workerExited(worker, exit ?? .exited(status: -1), now: .now),
                in: &state, options: options, effects: &effects
            )
        }
    }

    private func handleFrames(
        from worker: Int, reader: inout FrameBuffer?, state: inout State, now: ContinuousClock.Instant,
        effects: inout Effects
    ) {
        while true {
            let frame: Frame
            do {
                guard let next = try reader?.next() else { return }
                frame = next
            } catch {
                state.connections[worker]?.broken = true
                let failure: PoolSupervisor.Failure = switch error {
                case .tooLarge(let size, let limit): .frameTooLarge(size: size, limit: limit)
                case .malformed: .channel(error.description)
                }
                Self.perform(state.supervisor.workerBroke(worker, failure), in: &state, options: options, effects: &effects)
                return
            }
            let id: UInt64
            let outcome: (String) -> Result<RequestReply, any Error>
            switch frame {
            case .ready:
                state.supervisor.workerReady(worker, now: now)
                continue
            case .serving:
                state.supervisor.workerServing(worker)
                continue
            case .initializerFailed(let type, let message):
                state.supervisor.initializerFailed(worker, type: type, message: message)
                continue
            case .outputs(let replyID, let payload):
                id = replyID
                outcome = { _ in .success(.outputs(payload)) }
            case .results(let replyID, let items):
                id = replyID
                outcome = { _ in .success(.results(items)) }
            case .failed(let replyID, let reason, let message):
                id = replyID
                outcome = { task in
                    switch reason {
                    case .unknownTask: .failure(ProcessPoolError.unknownTask(message))
                    case .decodingFailed: .failure(ProcessPoolError.decodingFailed(task: task, message: message))
                    case .encodingFailed: .failure(ProcessPoolError.encodingFailed(task: task, message: message))
                    case .frameTooLarge:
                        .failure(ProcessPoolError.frameTooLarge(task: task, size: Int(message) ?? 0, limit: self.options.frameLimit))
                    }
                }
            case .cancelled(let replyID):
                id = replyID
                outcome = { _ in .failure(CancellationError()) }
            case .run, .cancel, .initialize:
                state.connections[worker]?.broken = true
                Self.perform(
                    state.supervisor.workerBroke(worker, .channel("the worker sent a parent's message")),
                    in: &state, options: options, effects: &effects
                )
                return
            }
            let (verdict, actions) = state.supervisor.replyReceived(id, from: worker, now: now)
            if verdict == .deliver, let pending = state.pending.removeValue(forKey: id) {
                let result = outcome(pending.task)
                effects.completions.append { pending.completion(result) }
            }
            Self.perform(actions, in: &state, options: options, effects: &effects)
        }
    }
}

// File-level wrappers: inside `PoolCore` these names are taken by its own methods.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buffer, count) }
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { write(fd, buffer, count) }
private func systemShutdown(_ fd: Int32) { _ = shutdown(fd, Int32(SHUT_WR)) }
