import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The process pool's engine: the ``PoolSupervisor`` and the request table behind one lock, and the
/// I/O the supervisor's actions ask for.
///
/// Callers (``submit(_:task:count:payload:timeout:)``, ``cancel(_:)``, shutdown) and the service
/// thread (`PoolCore+ServiceLoop.swift`: spawning, `poll`, reading, reaping) turn what happened into
/// supervisor events under the lock and ``perform(_:in:effects:)`` the actions that come back, still
/// under it: frame writes and kills are non-blocking system calls whose order and pid-safety depend
/// on the state. Completing a caller's ``RequestBox`` always happens outside the lock.
final class PoolCore: Sendable {
    struct Options: Sendable {
        var configuration: PoolSupervisor.Configuration
        var executable: WorkerExecutable
        var frameLimit: Int
        var initializer: (task: String, payload: [UInt8])?
        var eager: Bool
        var startMethod: ProcessPool.StartMethod
        var logger: Logger
        var observability: PoolObservability
        /// How many of the workers run on this machine; the others run on `hosts`, each its count.
        var localWorkers: Int
        var hosts: [HostLink] = []
    }

    /// A request the pool holds: its promise, and its frame with the descriptors of its payload,
    /// kept to send it again if its worker dies before running it.
    struct Pending {
        let box: RequestBox
        let task: String
        let frame: OutgoingFrame
        let descriptors: DescriptorTable?
        /// When it was submitted and first sent to a worker, with metrics on (for their timers).
        var submitted: ContinuousClock.Instant?
        var sent: ContinuousClock.Instant?
    }

    /// One worker's process (once started) and channel. Leaves the table when the service thread
    /// starts reaping the process: from then on no action can signal its pid (which the system may
    /// give to another process) or write to its channel.
    struct Connection {
        var process: WorkerProcess?
        var channel: WorkerChannel
    }

    /// What a locked section leaves to do once the lock is released: completing callers' boxes, and
    /// logging (a handler may block or write: never under the pool's lock).
    struct Effects {
        /// Metrics to record, after the completions: a caller waiting for its outcome is not kept
        /// waiting while the metrics backend records (measured: about 5 µs a request with
        /// MetricsTestKit's handler, a twelfth of a one-at-a-time round trip); what a call counted is
        /// recorded a moment after it returns, and all of it before the pool's `shutdown` returns.
        var metrics: [() -> Void] = []
        var completions: [() -> Void] = []

        mutating func log(_ logger: Logger, _ level: Logger.Level, _ message: String, _ metadata: [String: String?]) {
            completions.append {
                logger.log(level: level, "\(message)", metadata: metadata.compactMapValues { $0.map { .string($0) } })
            }
        }
    }

    struct State {
        let wake: WakePipe
        var supervisor: PoolSupervisor
        var pending: [UInt64: Pending] = [:]
        var connections: [Int: Connection] = [:]
        var spawnQueue: [Int] = []
        var nextID: UInt64 = 1
        /// The deadline the loop's current `poll` wakes up for (nil: none).
        var loopDeadline: ContinuousClock.Instant?
        var stopped = false
        /// The loop has ended and resumed its stop waiters: later waiters return at once.
        var loopExited = false
        var stopWaiters: [CheckedContinuation<Void, Never>] = []
        /// Workers started so far: those past the pool's size are replacements.
        var workersStarted = 0
        /// Where each worker runs: the index of its host in `options.hosts`; absent for this machine.
        var placement: [Int: Int] = [:]
        /// The gauges' last values (queue depth, busy, idle), recorded again only when they change.
        var gauges: [Int] = []
    }

    let options: Options
    let state: LockedValue<State>

    init(options: Options) throws(ProcessPoolError) {
        self.options = options
        let wake = try WakePipe()
        var initial = State(wake: wake, supervisor: PoolSupervisor(configuration: options.configuration))
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
            wake.close()
            throw error
        }
    }

    // MARK: Callers

    /// Process ids of the workers running now: not those being killed, nor any being reaped (whose
    /// pid the system may have given to another process).
    var workerPIDs: [pid_t] {
        state.withLock { state in
            state.connections.compactMap { worker, connection in
                guard let pid = connection.process?.pid, pid > 0, !state.supervisor.isKilled(worker) else { return nil }
                return pid
            }.sorted()
        }
    }

    /// Queues the encoded `run` frame `frame` (with `descriptors`, its inputs' ``SharedArray``s) for
    /// `task`, as the request of `box`, which the pool completes exactly once. The request's id is
    /// made in the same locked step; a box cancelled before it is not sent. `retriesAfterHostLoss`:
    /// how many times it runs again when the link to the host running it is lost.
    func submit(
        _ box: RequestBox, task: String, frame: consuming OutgoingFrame, descriptors: DescriptorTable? = nil, timeout: Duration?,
        retriesAfterHostLoss: Int = 0
    ) {
        let limit = options.frameLimit
        // The id goes in when the lock is held; 0 holds its place in the encoded frame, which is
        // this call's own (consumed), so the id is written in place, not into a copy.
        var frame = consume frame
        let size = frame.count - Frame.headerSize
        guard size <= limit else {
            box.complete(.failure(ProcessPoolError.frameTooLarge(task: task, size: size, limit: limit)))
            return
        }
        // Shared memory cannot reach another machine, and which worker takes a request is the
        // pool's choice: a pool with hosts refuses SharedArrays at once, the same every time.
        if let descriptors, descriptors.count > 0, !options.hosts.isEmpty {
            let hosts = options.hosts.map(\.host.name).joined(separator: ", ")
            box.complete(.failure(ProcessPoolError.encodingFailed(
                task: task,
                message: "input: a SharedArray cannot travel to workers on other hosts (this pool has \(hosts)); "
                    + "use a pool without hosts for shared memory, or send the values as an array"
            )))
            return
        }
        withState { state, effects in
            guard state.supervisor.isAccepting else {
                effects.completions.append { box.complete(.failure(ProcessPoolError.shutDown(task: task))) }
                return
            }
            let id = state.nextID
            guard box.markSubmitted(id) else { return }
            state.nextID += 1
            Frame.patchRunID(id, in: &frame.bytes)
            let submitted = options.observability.metricsOn ? ContinuousClock.now : nil
            state.pending[id] = Pending(box: box, task: task, frame: frame, descriptors: descriptors, submitted: submitted)
            Self.perform(state.supervisor.submit(id, timeout: timeout, retriesAfterHostLoss: retriesAfterHostLoss, now: .now), in: &state, options: options, effects: &effects)
        }
    }

    /// Gives up on the request of `box`: it completes with `CancellationError` and the remote work stops.
    func cancel(_ box: RequestBox) {
        cancel([box])
    }

    /// Gives up on every request in `boxes` at once (see ``PoolSupervisor/cancel(_:now:)``).
    func cancel(_ boxes: some Sequence<RequestBox>) {
        withState { state, effects in
            var submitted: [UInt64] = []
            for box in boxes {
                if let id = box.id, state.pending[id] != nil {
                    submitted.append(id)
                } else if box.cancelBeforeSubmission() {
                    effects.completions.append { box.complete(.failure(CancellationError())) }
                }
            }
            guard !submitted.isEmpty else { return }
            Self.perform(state.supervisor.cancel(submitted, now: .now), in: &state, options: options, effects: &effects)
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
    func withState(_ body: (inout State, inout Effects) -> Void) {
        let effects = state.withLock { state in
            var effects = Effects()
            body(&state, &effects)
            // A new, earlier timeout must cut the loop's poll short.
            if let deadline = state.supervisor.nextDeadline, state.loopDeadline.map({ deadline < $0 }) ?? true {
                Self.requestWake(&state)
            }
            return effects
        }
        for completion in effects.completions { completion() }
        for record in effects.metrics { record() }
    }

    /// Records those of the queue depth and the busy and idle workers that changed. The service
    /// thread samples them each time it has handled what woke it (frames, exits, deadlines), not at
    /// every event: a request's round trip would otherwise record them four times.
    static func recordGauges(_ state: inout State, options: Options, effects: inout Effects) {
        guard options.observability.metricsOn else { return }
        let gauges = [state.supervisor.queuedCount, state.supervisor.busyCount, state.supervisor.idleCount]
        guard gauges != state.gauges else { return }
        let previous = state.gauges
        state.gauges = gauges
        let observability = options.observability
        effects.metrics.append {
            for (index, gauge) in [observability.queueDepth, observability.busyWorkers, observability.idleWorkers].enumerated()
            where previous.count != gauges.count || previous[index] != gauges[index] {
                gauge.record(gauges[index])
            }
        }
    }

    /// Counts a finished request and times how long it ran, with metrics on.
    static func recordFinished(
        _ pending: Pending, _ outcome: PoolObservability.Outcome, options: Options, effects: inout Effects
    ) {
        let observability = options.observability
        guard observability.metricsOn else { return }
        let running = pending.sent.map { ContinuousClock.now - $0 }
        effects.metrics.append {
            observability.finished(outcome)
            if let running { observability.running.recordNanoseconds(running.nanoseconds) }
        }
    }

    // MARK: Performing actions (under the lock)

    /// Applies the supervisor's actions: writes, kills and retirements now; spawns for the loop;
    /// completions into `effects`.
    static func perform(
        _ actions: [PoolSupervisor.Action], in state: inout State, options: Options, effects: inout Effects
    ) {
        for action in actions {
            switch action {
            case .spawn(let worker):
                var channel = WorkerChannel(frameLimit: options.frameLimit)
                if let initializer = options.initializer {
                    channel.send(Frame.initialize(task: initializer.task, payload: initializer.payload).encoded())
                }
                state.connections[worker] = Connection(channel: channel)
                state.spawnQueue.append(worker)
                requestWake(&state)
            case .send(let id, let worker):
                guard let pending = state.pending[id] else { continue }
                var refused: DescriptorPassingError?
                withChannel(of: worker, in: &state) { channel in
                    do throws(DescriptorPassingError) {
                        try channel.send(pending.frame, descriptors: pending.descriptors)
                    } catch {
                        refused = error
                    }
                }
                if let refused {
                    // The worker waits for a request that never comes: it is replaced, and the
                    // caller learns why.
                    let error = ProcessPoolError.encodingFailed(task: pending.task, message: "input: \(refused)")
                    effects.completions.append { pending.box.complete(.failure(error)) }
                    state.connections[worker]?.process?.signal(SIGKILL)
                    continue
                }
                if options.observability.metricsOn, pending.sent == nil, let submitted = pending.submitted {
                    let now = ContinuousClock.now
                    state.pending[id]?.sent = now
                    let queued = options.observability.queued
                    effects.metrics.append { queued.recordNanoseconds((now - submitted).nanoseconds) }
                }
            case .sendCancel(let id, let worker):
                withChannel(of: worker, in: &state) { $0.send(Frame.cancel(id: id).encoded()) }
            case .kill(let worker):
                // No process yet: the supervisor asks again once it has started.
                state.connections[worker]?.process?.signal(SIGKILL)
            case .retire(let worker):
                let pid = state.connections[worker]?.process?.pid
                effects.log(options.logger, .debug, "worker retiring", ["worker.pid": pid.map { "\($0)" }])
                withChannel(of: worker, in: &state) { $0.closeOutput() }
            case .deliver(let id, let reply):
                guard let pending = state.pending.removeValue(forKey: id) else { continue }
                recordFinished(pending, reply.hasFailure ? .error : .success, options: options, effects: &effects)
                effects.completions.append { pending.box.complete(.success(reply)) }
            case .fail(let id, let failure):
                guard let pending = state.pending.removeValue(forKey: id) else { continue }
                let error = failure.error(task: pending.task, executable: options.executable.description, frameLimit: options.frameLimit)
                if let level = failure.logLevel {
                    effects.log(options.logger, level, "\(error)", ["task": "\(pending.task)", "request.id": "\(id)"])
                }
                recordFinished(pending, failure.outcome, options: options, effects: &effects)
                effects.completions.append { pending.box.complete(.failure(error)) }
            case .stopped:
                state.stopped = true
                requestWake(&state)
            }
        }
    }

    /// Runs `body` on a worker's channel in place (no copy of its outbound queue), and wakes the loop
    /// if bytes are left to write when the socket has room.
    static func withChannel(of worker: Int, in state: inout State, _ body: (inout WorkerChannel) -> Void) {
        guard var connection = state.connections.removeValue(forKey: worker) else { return }
        body(&connection.channel)
        let wantsWrite = connection.channel.wantsWrite
        state.connections[worker] = connection
        if wantsWrite { requestWake(&state) }
    }

    /// Wakes the loop (once until it next polls). Under the lock, so the pipe cannot be closed meanwhile.
    static func requestWake(_ state: inout State) {
        if !state.loopExited { state.wake.wake() }
    }
}

extension Frame {
    /// Writes request id `id` into an encoded ``run(id:task:count:payload:)`` frame in place, so a
    /// request is encoded outside the pool's lock and numbered inside it. The id follows the length
    /// prefix, the magic byte and the kind (see ``encoded()``).
    static func patchRunID(_ id: UInt64, in frame: inout [UInt8]) {
        let offset = headerSize + 2
        for index in 0..<8 { frame[offset + index] = UInt8(truncatingIfNeeded: id >> (8 * UInt64(index))) }
    }
}
