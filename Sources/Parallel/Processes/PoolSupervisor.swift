import DequeModule

/// The process pool's bookkeeping as a plain state machine: which worker holds which requests, and
/// what a reply, a crash, a timeout, a cancellation, a recycle or a shutdown does. Events go in, the
/// ``Action``s to perform come out; nothing here spawns, writes or kills, so every rule is tested
/// without a process (see `PoolSupervisorTests`).
///
/// A worker runs its requests one at a time in the order they were sent, so the first request a worker
/// holds (its *head*) is the one running: when a worker dies, its head fails and the requests queued
/// behind it are sent again elsewhere.
struct PoolSupervisor {
    typealias RequestID = UInt64
    typealias WorkerID = Int
    typealias Instant = ContinuousClock.Instant

    struct Configuration: Sendable, Equatable {
        /// How many workers the pool keeps.
        var workers: Int
        /// How many requests a worker holds at once (one running, the rest waiting in its channel),
        /// so it never idles between requests.
        var pipelineDepth: Int = 2
        /// After this many requests a worker is retired and replaced (`maxtasksperchild`).
        var maxTasksPerWorker: Int? = nil
        /// How long a started worker may take to say it serves worker mode (its initializer's time
        /// does not count).
        var startTimeout: Duration = .seconds(10)
    }

    /// Why a request failed, before the pool names the task.
    enum Failure: Equatable, Sendable {
        case crashed(WorkerExit)
        case timedOut(Duration)
        case channel(String)
        case frameTooLarge(size: Int, limit: Int)
        case initializer(type: String, message: String)
        case spawn(String)
        case shutDown
        case cancelled
    }

    /// What the pool must do after an event.
    enum Action: Equatable, Sendable {
        /// Start a new worker under this id.
        case spawn(WorkerID)
        /// Write the request to the worker's channel (in the order given).
        case send(RequestID, to: WorkerID)
        /// Ask the worker to skip a request it has not started.
        case sendCancel(RequestID, to: WorkerID)
        /// SIGKILL the worker; its exit comes back as ``workerExited(_:_:now:)``.
        case kill(WorkerID)
        /// Close the worker's input: it finishes and exits normally.
        case retire(WorkerID)
        /// Fail the request's caller.
        case fail(RequestID, Failure)
        /// Every worker is gone after a shutdown: the pool may release its resources.
        case stopped
    }

    /// What to do with a reply.
    enum ReplyVerdict: Equatable, Sendable {
        /// Hand it to the caller.
        case deliver
        /// The caller is gone (cancelled, timed out): drop it.
        case ignore
    }

    private enum Phase: Equatable {
        /// Accepting and running work.
        case running
        /// `shutdown()`: finishing queued work, then retiring every worker.
        case draining
        /// `shutdownNow()`: every request failed, every worker killed.
        case stopping
        /// Every worker has exited after a shutdown.
        case stopped
    }

    private struct Request {
        var timeout: Duration?
        var worker: WorkerID?
        var cancelled = false
    }

    private struct Worker {
        let id: WorkerID
        /// When its process was started; nil while it is being started.
        var startedAt: Instant?
        /// The worker said it serves worker mode (`serving`, or `ready`, which implies it).
        var serving = false
        /// The worker said it is up (after its initializer): its head's clock runs from here.
        var ready = false
        /// Requests sent, in order; the first is running.
        var inFlight: Deque<RequestID> = []
        /// When the head started (as far as the parent can tell).
        var headSince: Instant?
        var sent = 0
        /// Takes no more requests; closed once its last one is answered.
        var retiring = false
        var retireSent = false
        /// Being killed; the failure its head gets (nil when the head was already resolved).
        var killed: Failure??
        var isKilled: Bool { killed != nil }
    }

    let configuration: Configuration
    private var phase = Phase.running
    private var queue: Deque<RequestID> = []
    private var requests: [RequestID: Request] = [:]
    private var workers: [Worker] = []
    private var nextWorkerID = 0

    init(configuration: Configuration) {
        self.configuration = configuration
    }

    // MARK: Inspection

    /// Requests waiting for a worker.
    var queuedCount: Int { queue.count }
    /// Requests not yet answered, failed or cancelled.
    var unresolvedCount: Int { requests.values.filter { !$0.cancelled }.count }
    /// Workers alive or being started.
    var workerIDs: [WorkerID] { workers.map(\.id) }
    /// The requests a worker holds, in order.
    func inFlight(_ worker: WorkerID) -> [RequestID] {
        workers.first { $0.id == worker }.map { Array($0.inFlight) } ?? []
    }
    var isAccepting: Bool { phase == .running }
    var isStopped: Bool { phase == .stopped }

    /// The earliest moment a running request times out or a starting worker runs out of time, if any.
    var nextDeadline: Instant? {
        workers.compactMap { worker -> Instant? in
            guard !worker.isKilled else { return nil }
            if !worker.serving { return worker.startedAt.map { $0 + configuration.startTimeout } }
            guard let head = worker.inFlight.first, let since = worker.headSince,
                  let timeout = requests[head]?.timeout else { return nil }
            return since + timeout
        }.min()
    }

    // MARK: Events

    /// Starts every worker now (an eager pool).
    mutating func start(now: Instant) -> [Action] {
        var actions: [Action] = []
        while workers.count < configuration.workers { actions.append(.spawn(addWorker())) }
        return actions
    }

    /// New work arrives.
    mutating func submit(_ id: RequestID, timeout: Duration?, now: Instant) -> [Action] {
        guard phase == .running else { return [.fail(id, .shutDown)] }
        requests[id] = Request(timeout: timeout)
        queue.append(id)
        return dispatch(now: now)
    }

    /// The caller gave up on a request. Queued: it is dropped. Running: its worker is killed, so the
    /// work really stops. Waiting in a worker: the worker is told to skip it.
    mutating func cancel(_ id: RequestID, now: Instant) -> [Action] {
        cancel([id], now: now)
    }

    /// The caller gave up on several requests at once (a `map`'s chunks): they are settled together,
    /// before anything is dispatched again. Queued ones are dropped without ever being sent; each
    /// worker running one is killed once, and nothing it held is handed to another worker, so
    /// cancelling a call costs at most one kill (and, if other work is queued, one replacement) per
    /// worker, however many inputs it had.
    mutating func cancel(_ ids: some Sequence<RequestID>, now: Instant) -> [Action] {
        var actions: [Action] = []
        var dropped: Set<RequestID> = []
        var skips: [(RequestID, WorkerID)] = []
        for id in ids {
            guard let request = requests[id], !request.cancelled else { continue }
            actions.append(.fail(id, .cancelled))
            guard let worker = request.worker, let index = index(of: worker) else {
                requests[id] = nil
                dropped.insert(id)
                continue
            }
            requests[id]?.cancelled = true
            if workers[index].inFlight.first == id {
                actions += kill(index, headFailure: nil)
            } else {
                skips.append((id, worker))
            }
        }
        if !dropped.isEmpty { queue.removeAll { dropped.contains($0) } }
        // A worker being killed needs no skips: what it holds dies with it.
        for (id, worker) in skips where index(of: worker).map({ !workers[$0].isKilled }) ?? false {
            actions.append(.sendCancel(id, to: worker))
        }
        return actions + dispatch(now: now)
    }

    /// The worker's process exists: its start clock runs from here.
    mutating func workerStarted(_ worker: WorkerID, now: Instant) {
        guard let index = index(of: worker) else { return }
        workers[index].startedAt = now
    }

    /// The worker serves worker mode; its initializer runs next.
    mutating func workerServing(_ worker: WorkerID) {
        guard let index = index(of: worker) else { return }
        workers[index].serving = true
    }

    /// The worker finished starting (its initializer ran).
    mutating func workerReady(_ worker: WorkerID, now: Instant) {
        guard let index = index(of: worker) else { return }
        workers[index].serving = true
        workers[index].ready = true
        if !workers[index].inFlight.isEmpty { workers[index].headSince = now }
    }

    /// The worker answered request `id` (a result, a failure or a cancel acknowledgement). Replies come
    /// in order: one for anything but the head breaks the protocol and kills the worker.
    mutating func replyReceived(_ id: RequestID, from worker: WorkerID, now: Instant) -> (ReplyVerdict, [Action]) {
        guard let index = index(of: worker), !workers[index].isKilled else { return (.ignore, []) }
        guard workers[index].inFlight.first == id else {
            let expected = workers[index].inFlight.first.map { "request \($0)" } ?? "nothing"
            return (.ignore, workerBroke(worker, .channel("a reply to request \(id) while \(expected) was running")))
        }
        workers[index].inFlight.removeFirst()
        workers[index].headSince = workers[index].inFlight.isEmpty ? nil : now
        let request = requests.removeValue(forKey: id)
        let verdict: ReplyVerdict = (request == nil || request?.cancelled == true) ? .ignore : .deliver
        return (verdict, dispatch(now: now))
    }

    /// The replies read in one go from a worker were handled. If its head is now a cancelled request
    /// whose skip was not acknowledged, it may be running: kill the worker so abandoned work stops.
    mutating func batchEnded(_ worker: WorkerID) -> [Action] {
        guard let index = index(of: worker), !workers[index].isKilled,
              let head = workers[index].inFlight.first, requests[head]?.cancelled == true else { return [] }
        return kill(index, headFailure: nil)
    }

    /// The worker broke the channel (garbage, an oversized frame): it is killed, its head gets `failure`.
    mutating func workerBroke(_ worker: WorkerID, _ failure: Failure) -> [Action] {
        guard let index = index(of: worker), !workers[index].isKilled else { return [] }
        return kill(index, headFailure: failure)
    }

    /// The worker's initializer threw: its head fails with that error once it exits.
    mutating func initializerFailed(_ worker: WorkerID, type: String, message: String) {
        guard let index = index(of: worker), !workers[index].isKilled else { return }
        workers[index].killed = .some(.initializer(type: type, message: message))
    }

    /// Time passed: kill workers whose running request is past its timeout, and workers that did not
    /// start serving in time (see ``startFailed(_:reason:)``).
    mutating func tick(now: Instant) -> [Action] {
        var actions: [Action] = []
        for index in workers.indices {
            let worker = workers[index]
            if !worker.isKilled, !worker.serving, let startedAt = worker.startedAt,
               now >= startedAt + configuration.startTimeout {
                let reason = "it did not start serving within \(configuration.startTimeout)"
                actions += startFailed(index, reason: reason) + kill(index, headFailure: nil)
                continue
            }
            guard !worker.isKilled, let head = worker.inFlight.first, let since = worker.headSince,
                  let request = requests[head], !request.cancelled, let timeout = request.timeout,
                  now >= since + timeout else { continue }
            requests[head] = nil
            actions.append(.fail(head, .timedOut(timeout)))
            actions += kill(index, headFailure: nil)
        }
        return actions
    }

    /// The worker process is gone (and reaped). Its head fails with the reason it was killed for, or
    /// as a crash; the requests behind it go back to the front of the queue; a replacement starts if
    /// there is work.
    mutating func workerExited(_ worker: WorkerID, _ exit: WorkerExit, now: Instant) -> [Action] {
        guard let index = index(of: worker) else { return [] }
        var actions: [Action] = []
        // A program that ends on its own before serving does not serve worker mode, and will not the
        // next time either. One killed by a signal may have met bad luck: it is a crash.
        if case .exited = exit, !workers[index].serving, !workers[index].isKilled {
            actions = startFailed(index, reason: "it \(exit) before serving worker mode")
        }
        let gone = workers.remove(at: index)
        var requeue: [RequestID] = []
        for (position, id) in gone.inFlight.enumerated() {
            guard let request = requests[id], !request.cancelled else {
                requests[id] = nil
                continue
            }
            if position == 0 {
                requests[id] = nil
                actions.append(.fail(id, (gone.killed ?? nil) ?? .crashed(exit)))
            } else {
                requests[id]?.worker = nil
                requeue.append(id)
            }
        }
        queue.insert(contentsOf: requeue, at: 0)
        return actions + dispatch(now: now)
    }

    /// A started worker never served worker mode: it cannot run what it holds, which fails, and nor,
    /// most likely, can the program's other workers, so the queue fails too unless another worker
    /// serves. The reason says what to check.
    private mutating func startFailed(_ index: Int, reason: String) -> [Action] {
        var failed = Array(workers[index].inFlight)
        workers[index].inFlight.removeAll()
        if !workers.contains(where: { $0.serving && !$0.isKilled }) {
            failed += queue
            queue.removeAll()
        }
        let hint = ProcessPoolError.notServing(reason)
        return failed.compactMap { id in
            guard let request = requests.removeValue(forKey: id), !request.cancelled else { return nil }
            return .fail(id, .spawn(hint))
        }
    }

    /// The worker could not be started: what it held fails, and so does the queue if no worker is left.
    mutating func spawnFailed(_ worker: WorkerID, reason: String, now: Instant) -> [Action] {
        guard let index = index(of: worker) else { return [] }
        let gone = workers.remove(at: index)
        var failed = Array(gone.inFlight)
        if workers.isEmpty {
            failed += queue
            queue.removeAll()
        }
        var actions: [Action] = []
        for id in failed {
            guard let request = requests.removeValue(forKey: id), !request.cancelled else { continue }
            actions.append(.fail(id, .spawn(reason)))
        }
        return actions + dispatch(now: now, spawning: false)
    }

    /// `shutdown()` (finish everything queued, then retire the workers) or `shutdownNow()` (fail
    /// everything not finished with ``Failure/shutDown`` and kill the workers).
    mutating func shutdown(immediately: Bool, now: Instant) -> [Action] {
        switch phase {
        case .stopped, .stopping: return []
        case .draining where !immediately: return []
        default: break
        }
        guard immediately else {
            phase = .draining
            return dispatch(now: now)
        }
        phase = .stopping
        var actions: [Action] = []
        for id in queue {
            requests[id] = nil
            actions.append(.fail(id, .shutDown))
        }
        queue.removeAll()
        for index in workers.indices {
            for id in workers[index].inFlight {
                guard let request = requests[id] else { continue }
                requests[id] = nil
                if !request.cancelled { actions.append(.fail(id, .shutDown)) }
            }
            actions += kill(index, headFailure: nil)
        }
        return actions + dispatch(now: now)
    }

    // MARK: Machinery

    private func index(of worker: WorkerID) -> Int? {
        workers.firstIndex { $0.id == worker }
    }

    private mutating func addWorker() -> WorkerID {
        defer { nextWorkerID += 1 }
        workers.append(Worker(id: nextWorkerID))
        return nextWorkerID
    }

    private mutating func kill(_ index: Int, headFailure: Failure?) -> [Action] {
        guard !workers[index].isKilled else { return [] }
        workers[index].killed = .some(headFailure)
        return [.kill(workers[index].id)]
    }

    /// Starts workers for queued work, hands queued requests to the least busy workers, retires
    /// workers that are done, and reports when a shutdown is complete.
    private mutating func dispatch(now: Instant, spawning: Bool = true) -> [Action] {
        var actions: [Action] = []
        if phase == .running || phase == .draining {
            let live = workers.count { !$0.isKilled && !$0.retiring }
            if spawning && !queue.isEmpty && live < configuration.workers {
                for _ in live..<configuration.workers { actions.append(.spawn(addWorker())) }
            }
            while let id = queue.first {
                var best: Int?
                for index in workers.indices {
                    let worker = workers[index]
                    guard !worker.isKilled, !worker.retiring, worker.inFlight.count < configuration.pipelineDepth
                    else { continue }
                    if best.map({ worker.inFlight.count < workers[$0].inFlight.count }) ?? true { best = index }
                }
                guard let index = best else { break }
                queue.removeFirst()
                requests[id]?.worker = workers[index].id
                workers[index].inFlight.append(id)
                if workers[index].inFlight.count == 1 && workers[index].ready { workers[index].headSince = now }
                workers[index].sent += 1
                if let limit = configuration.maxTasksPerWorker, workers[index].sent >= limit {
                    workers[index].retiring = true
                }
                actions.append(.send(id, to: workers[index].id))
            }
        }
        for index in workers.indices {
            let worker = workers[index]
            let done = worker.retiring || (phase == .draining && queue.isEmpty)
            if done && worker.inFlight.isEmpty && !worker.retireSent && !worker.isKilled {
                workers[index].retireSent = true
                workers[index].retiring = true
                actions.append(.retire(worker.id))
            }
        }
        if phase != .running && phase != .stopped && workers.isEmpty && queue.isEmpty {
            phase = .stopped
            actions.append(.stopped)
        }
        return actions
    }
}
