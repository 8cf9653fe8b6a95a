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

    /// Why a request failed, before the pool names the task (``ProcessPoolError/init(_:task:executable:frameLimit:)``
    /// translates it).
    enum Failure: Equatable, Sendable {
        /// The worker exited before answering; `report` is its crash report (``WorkerStandardError``).
        case crashed(WorkerExit, report: String = "")
        case timedOut(Duration)
        case channel(String)
        case frameTooLarge(size: Int, limit: Int)
        case initializer(type: String, message: String)
        /// No worker could be started: why, and on which host (nil: this machine).
        case spawn(String, host: String? = nil)
        case shutDown
        case cancelled
        /// The worker refused the request as a whole (a `failed` frame).
        case worker(Frame.RequestFailure, message: String)
    }

    /// What the pool must do after an event.
    enum Action: Equatable, Sendable {
        /// Start a new worker under this id.
        case spawn(WorkerID)
        /// Write the request to the worker's channel (in the order given).
        case send(RequestID, to: WorkerID)
        /// Ask the worker to skip a request it has not started.
        case sendCancel(RequestID, to: WorkerID)
        /// SIGKILL the worker; its exit comes back as ``workerExited(_:_:report:now:)``. (Asked for before
        /// its process exists, it comes again from ``workerStarted(_:now:)``.)
        case kill(WorkerID)
        /// Close the worker's input: it finishes and exits normally.
        case retire(WorkerID)
        /// Hand the worker's reply to the request's caller.
        case deliver(RequestID, RequestReply)
        /// Fail the request's caller.
        case fail(RequestID, Failure)
        /// Every worker is gone after a shutdown: the pool may release its resources.
        case stopped
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

    /// Where a worker is in its life. It moves only forward, down this list (``initializing`` may be
    /// skipped, and any state may end in ``killed`` or, after a failing initializer,
    /// ``failedToInitialize``); it leaves the table when its process has exited and been reaped
    /// (``workerExited(_:_:report:now:)``) or could not be started (``spawnFailed(_:reason:now:)``).
    enum Lifecycle: Equatable, Sendable {
        /// A `.spawn` was asked for; its process does not exist yet. It may be sent requests.
        case spawning
        /// Its process runs, started at `since`, and has not said it serves worker mode: it must
        /// within ``Configuration/startTimeout``.
        case starting(since: Instant)
        /// It serves worker mode (a `serving` frame) and its initializer runs; its requests wait.
        case initializing
        /// It is up (a `ready` frame): it runs its requests, the head's timeout clock running.
        case ready
        /// Its input is closed (`.retire` was performed): it holds nothing, takes nothing, and exits
        /// once it reads the end. `unservedSince`: nil if it had said it serves worker mode; else
        /// when its process started, its start clock still running.
        case retired(unservedSince: Instant?)
        /// `.kill` was asked for; its head, if still unsettled, fails with `headFailure` (nil: the
        /// head was settled already, by a timeout or a cancellation). Its frames are ignored.
        case killed(headFailure: Failure?)
        /// Its initializer threw (an `initializerFailed` frame): it exits by itself, and its head
        /// fails with that error. Its frames are ignored.
        case failedToInitialize(type: String, message: String)
    }

    private struct Request {
        var timeout: Duration?
        /// How many more times the request runs again after the link to its worker's host is lost
        /// while it runs (``ProcessTask/isIdempotent``: once; else never).
        var retriesAfterHostLoss = 0
        var worker: WorkerID?
        var cancelled = false
    }

    private struct Worker {
        let id: WorkerID
        var lifecycle = Lifecycle.spawning
        /// Requests sent, in order; the first is running.
        var inFlight: Deque<RequestID> = []
        /// When the head started (as far as the parent can tell).
        var headSince: Instant?
        var sent = 0
        /// Its channel has ended (``channelClosed(_:truncatedBytes:)``): its process is dead or about
        /// to be killed, and its reap comes next. Requests already sent to it wait for that exit;
        /// new ones go elsewhere (one sent to it now would fail unread, as if it had crashed it).
        var channelEnded = false

        /// It said it serves worker mode (and has not been killed or failed since).
        var serves: Bool {
            switch lifecycle {
            case .initializing, .ready, .retired(unservedSince: nil): true
            default: false
            }
        }
        /// Killed, or ending after its initializer failed: it takes no part any more.
        var isEnding: Bool {
            switch lifecycle {
            case .killed, .failedToInitialize: true
            default: false
            }
        }
        /// Not ending, its input open and its channel not ended: it may be sent requests (if it has
        /// room and is not full).
        var isOpen: Bool {
            guard !channelEnded else { return false }
            return switch lifecycle {
            case .spawning, .starting, .initializing, .ready: true
            default: false
            }
        }
        /// When it must have said it serves worker mode, if it has not yet.
        var startDeadline: Instant? {
            switch lifecycle {
            case .starting(let since), .retired(let since?): since
            default: nil
            }
        }
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
    /// Workers up and holding requests.
    var busyCount: Int { workers.count { $0.lifecycle == .ready && !$0.inFlight.isEmpty } }
    /// Workers up with nothing to run.
    var idleCount: Int { workers.count { $0.lifecycle == .ready && $0.inFlight.isEmpty } }
    /// Requests not yet answered, failed or cancelled.
    var unresolvedCount: Int { requests.values.filter { !$0.cancelled }.count }
    /// Workers alive or being started.
    var workerIDs: [WorkerID] { workers.map(\.id) }
    /// The requests a worker holds, in order.
    func inFlight(_ worker: WorkerID) -> [RequestID] {
        workers.first { $0.id == worker }.map { Array($0.inFlight) } ?? []
    }
    /// Where a worker is in its life (nil: not in the table).
    func lifecycle(of worker: WorkerID) -> Lifecycle? {
        workers.first { $0.id == worker }?.lifecycle
    }
    /// A kill was asked for the worker (its process is no longer one of the pool's live workers).
    func isKilled(_ worker: WorkerID) -> Bool {
        if case .killed = lifecycle(of: worker) { true } else { false }
    }
    var isAccepting: Bool { phase == .running }
    var isStopped: Bool { phase == .stopped }

    /// The earliest moment a running request times out or a starting worker runs out of time, if any.
    var nextDeadline: Instant? {
        workers.compactMap { worker -> Instant? in
            guard !worker.isEnding else { return nil }
            if !worker.serves { return worker.startDeadline.map { $0 + configuration.startTimeout } }
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

    /// New work arrives. A request with `retriesAfterHostLoss` left is queued again, instead of
    /// failing, when the link to the host running it is lost (see ``workerExited(_:_:report:now:)``).
    mutating func submit(_ id: RequestID, timeout: Duration?, retriesAfterHostLoss: Int = 0, now: Instant) -> [Action] {
        guard phase == .running else { return [.fail(id, .shutDown)] }
        requests[id] = Request(timeout: timeout, retriesAfterHostLoss: retriesAfterHostLoss)
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
        for (id, worker) in skips where index(of: worker).map({ !workers[$0].isEnding }) ?? false {
            actions.append(.sendCancel(id, to: worker))
        }
        return actions + dispatch(now: now)
    }

    /// The worker's process exists: its start clock runs from here. A kill asked for meanwhile is
    /// asked for again, now that there is a process; a retirement due meanwhile happens now.
    mutating func workerStarted(_ worker: WorkerID, now: Instant) -> [Action] {
        guard let index = index(of: worker) else { return impossible("worker \(worker) started, but it is not in the table") }
        switch workers[index].lifecycle {
        case .spawning:
            workers[index].lifecycle = .starting(since: now)
            return dispatch(now: now, spawning: false)
        case .killed:
            return [.kill(worker)]
        default:
            return impossible("worker \(worker) started twice (it is \(workers[index].lifecycle))")
        }
    }

    /// A frame arrived from the worker. Replies come in order, so one for anything but the head, or a
    /// message only the parent sends, breaks the protocol: the worker is killed and its head fails
    /// with ``Failure/channel(_:)``. The frames of a worker being killed are ignored.
    mutating func frameReceived(_ frame: Frame, from worker: WorkerID, now: Instant) -> [Action] {
        guard let index = index(of: worker) else { return impossible("a frame from worker \(worker), which is not in the table") }
        let lifecycle = workers[index].lifecycle
        if workers[index].isEnding { return [] }
        if lifecycle == .spawning { return impossible("a frame from worker \(worker) before its process started") }
        switch frame {
        case .serving:
            if case .starting = lifecycle { workers[index].lifecycle = .initializing }
            if case .retired = lifecycle { workers[index].lifecycle = .retired(unservedSince: nil) }
            return []
        case .ready:
            switch lifecycle {
            case .starting, .initializing:
                workers[index].lifecycle = .ready
                if !workers[index].inFlight.isEmpty { workers[index].headSince = now }
            case .retired:
                workers[index].lifecycle = .retired(unservedSince: nil)
            default:
                break
            }
            return []
        case .initializerFailed(let type, let message):
            workers[index].lifecycle = .failedToInitialize(type: type, message: message)
            return []
        case .outputs(let id, let payload):
            return replyReceived(id, .reply(.outputs(payload)), from: index, now: now)
        case .results(let id, let items):
            return replyReceived(id, .reply(.results(items)), from: index, now: now)
        case .failed(let id, let reason, let message):
            return replyReceived(id, .failure(.worker(reason, message: message)), from: index, now: now)
        case .cancelled(let id):
            return replyReceived(id, .failure(.cancelled), from: index, now: now)
        case .run, .cancel, .initialize:
            return kill(index, headFailure: .channel("the worker sent a parent's message"))
        case .descriptors:
            return impossible("a descriptors frame reached the rules (the channel consumes them)")
        }
    }

    /// The frames read in one go from a worker were handled. If its head is now a cancelled request
    /// whose skip was not acknowledged, it may be running: kill the worker so abandoned work stops.
    mutating func batchEnded(_ worker: WorkerID) -> [Action] {
        guard let index = index(of: worker), !workers[index].isEnding,
              let head = workers[index].inFlight.first, requests[head]?.cancelled == true else { return [] }
        return kill(index, headFailure: nil)
    }

    /// The worker's bytes stopped being frames (garbage, an oversized frame): it is killed, its head
    /// fails with what was wrong.
    mutating func channelCorrupted(_ worker: WorkerID, _ error: FrameError) -> [Action] {
        switch error {
        case .tooLarge(let size, let limit): workerBroke(worker, .frameTooLarge(size: size, limit: limit))
        case .malformed: workerBroke(worker, .channel(error.description))
        }
    }

    /// The worker's stream ended; `truncatedBytes` of an unfinished frame were left. More than none:
    /// the worker is killed (if it still runs) and its head fails with ``Failure/channel(_:)``. Either
    /// way it takes no new request, and its exit comes next, as ``workerExited(_:_:report:now:)``.
    mutating func channelClosed(_ worker: WorkerID, truncatedBytes: Int) -> [Action] {
        if let index = index(of: worker) { workers[index].channelEnded = true }
        guard truncatedBytes > 0 else { return [] }
        return workerBroke(worker, .channel("a truncated frame: the channel ended \(truncatedBytes) bytes into a message"))
    }

    /// The worker broke the channel: it is killed, its head gets `failure`.
    mutating func workerBroke(_ worker: WorkerID, _ failure: Failure) -> [Action] {
        guard let index = index(of: worker), !workers[index].isEnding else { return [] }
        return kill(index, headFailure: failure)
    }

    /// Time passed: kill workers whose running request is past its timeout, and workers that did not
    /// start serving in time (see ``startFailed(_:reason:)``).
    mutating func tick(now: Instant) -> [Action] {
        var actions: [Action] = []
        for index in workers.indices {
            let worker = workers[index]
            guard !worker.isEnding else { continue }
            if let startedAt = worker.startDeadline, now >= startedAt + configuration.startTimeout {
                let reason = "it did not start serving within \(configuration.startTimeout)"
                actions += startFailed(index, reason: reason) + kill(index, headFailure: nil)
                continue
            }
            guard let head = worker.inFlight.first, let since = worker.headSince,
                  let request = requests[head], !request.cancelled, let timeout = request.timeout,
                  now >= since + timeout else { continue }
            requests[head] = nil
            actions.append(.fail(head, .timedOut(timeout)))
            actions += kill(index, headFailure: nil)
        }
        return actions
    }

    /// The worker process is gone (and reaped). Its head fails with the reason it was killed for, or
    /// as a crash carrying `report` (what it wrote on standard error, its crash report included); the
    /// requests behind it go back to the front of the queue; a replacement starts if there is work.
    /// A head lost with its host's link (``WorkerExit/lost(host:reason:)``) that has a retry left
    /// goes back to the front of the queue too, ahead of the rest, using up that retry.
    mutating func workerExited(_ worker: WorkerID, _ exit: WorkerExit, report: String = "", now: Instant) -> [Action] {
        guard let index = index(of: worker) else { return impossible("worker \(worker) exited twice") }
        var actions: [Action] = []
        // A program that ends on its own before serving does not serve worker mode, and will not the
        // next time either. One killed by a signal may have met bad luck: it is a crash.
        if case .lost(let host, let reason) = exit, !workers[index].serves, !workers[index].isEnding {
            actions = hostStartFailed(index, host: host, reason: reason)
        } else if case .exited = exit, !workers[index].serves, !workers[index].isEnding {
            actions = startFailed(index, reason: "it \(exit) before serving worker mode")
        }
        let gone = workers.remove(at: index)
        let headFailure: Failure = switch gone.lifecycle {
        case .killed(let failure?): failure
        case .failedToInitialize(let type, let message): .initializer(type: type, message: message)
        default: .crashed(exit, report: report)
        }
        var requeue: [RequestID] = []
        for (position, id) in gone.inFlight.enumerated() {
            guard let request = requests[id], !request.cancelled else {
                requests[id] = nil
                continue
            }
            if position == 0, case .crashed(.lost, _) = headFailure, request.retriesAfterHostLoss > 0 {
                requests[id]?.retriesAfterHostLoss -= 1
                requests[id]?.worker = nil
                requeue.append(id)
            } else if position == 0 {
                requests[id] = nil
                actions.append(.fail(id, headFailure))
            } else {
                requests[id]?.worker = nil
                requeue.append(id)
            }
        }
        queue.insert(contentsOf: requeue, at: 0)
        return actions + dispatch(now: now)
    }

    /// The worker could not be started: what it held fails, and so does the queue if no worker is left.
    mutating func spawnFailed(_ worker: WorkerID, reason: String, now: Instant) -> [Action] {
        guard let index = index(of: worker) else { return impossible("worker \(worker) failed to spawn, but it is not in the table") }
        switch workers[index].lifecycle {
        case .spawning, .killed: break
        default: return impossible("worker \(worker) failed to spawn after it started")
        }
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

    /// A worker on a host could not be started because the host's link is down (backing off, or
    /// refused for good): what waited for it goes back to the queue while another worker lives, and
    /// fails with `reason` with the queue when none does. No new worker is asked for now.
    mutating func hostUnavailable(_ worker: WorkerID, host: String, reason: String, now: Instant) -> [Action] {
        guard let index = index(of: worker) else { return impossible("worker \(worker) failed to spawn, but it is not in the table") }
        let actions = hostStartFailed(index, host: host, reason: reason)
        workers.remove(at: index)
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

    /// An event the pool's own code cannot produce: a bug. Stops a debug build; a release build
    /// ignores the event (no action), which leaves the pool as it was.
    private func impossible(_ message: @autoclosure () -> String) -> [Action] {
        assertionFailure("PoolSupervisor: \(message())")
        return []
    }

    /// How a worker answered a request.
    private enum Answer {
        case reply(RequestReply)
        case failure(Failure)
    }

    /// The worker answered request `id`: it must be its head.
    private mutating func replyReceived(
        _ id: RequestID, _ answer: Answer, from index: Int, now: Instant
    ) -> [Action] {
        guard workers[index].inFlight.first == id else {
            let expected = workers[index].inFlight.first.map { "request \($0)" } ?? "nothing"
            return kill(index, headFailure: .channel("a reply to request \(id) while \(expected) was running"))
        }
        workers[index].inFlight.removeFirst()
        workers[index].headSince = workers[index].inFlight.isEmpty ? nil : now
        var actions: [Action] = []
        // A caller that is gone (cancelled, timed out) was failed already: its reply is dropped.
        if let request = requests.removeValue(forKey: id), !request.cancelled {
            switch answer {
            case .reply(let reply): actions.append(.deliver(id, reply))
            case .failure(let failure): actions.append(.fail(id, failure))
            }
        }
        return actions + dispatch(now: now)
    }

    /// A started worker never served worker mode: it cannot run what it holds, which fails, and nor,
    /// most likely, can the program's other workers, so the queue fails too unless another worker
    /// serves. The reason says what to check.
    private mutating func startFailed(_ index: Int, reason: String) -> [Action] {
        var failed = Array(workers[index].inFlight)
        workers[index].inFlight.removeAll()
        if !workers.contains(where: { $0.serves }) {
            failed += queue
            queue.removeAll()
        }
        let hint = ProcessPoolError.notServing(reason)
        return failed.compactMap { id in
            guard let request = requests.removeValue(forKey: id), !request.cancelled else { return nil }
            return .fail(id, .spawn(hint))
        }
    }

    /// A worker on a host whose link failed before it served: nothing it held ran, so it goes back
    /// to the queue while any other worker lives (here or on another host); with none left, it and
    /// the queue fail with the link's reason.
    private mutating func hostStartFailed(_ index: Int, host: String, reason: String) -> [Action] {
        let held = Array(workers[index].inFlight)
        workers[index].inFlight.removeAll()
        if workers.indices.contains(where: { $0 != index && !workers[$0].isEnding }) {
            for id in held { requests[id]?.worker = nil }
            queue.insert(contentsOf: held.filter { requests[$0]?.cancelled == false }, at: 0)
            for id in held where requests[id]?.cancelled == true { requests[id] = nil }
            return []
        }
        let failed = held + queue
        queue.removeAll()
        return failed.compactMap { id in
            guard let request = requests.removeValue(forKey: id), !request.cancelled else { return nil }
            return .fail(id, .spawn(reason, host: host))
        }
    }

    private mutating func addWorker() -> WorkerID {
        defer { nextWorkerID += 1 }
        workers.append(Worker(id: nextWorkerID))
        return nextWorkerID
    }

    private mutating func kill(_ index: Int, headFailure: Failure?) -> [Action] {
        guard !workers[index].isEnding else { return [] }
        workers[index].lifecycle = .killed(headFailure: headFailure)
        return [.kill(workers[index].id)]
    }

    /// A worker has had its `maxTasksPerWorker` requests: it takes no more.
    private func isFull(_ worker: Worker) -> Bool {
        configuration.maxTasksPerWorker.map { worker.sent >= $0 } ?? false
    }

    /// Starts workers for queued work, hands queued requests to the least busy workers, retires
    /// workers that are done, and reports when a shutdown is complete.
    private mutating func dispatch(now: Instant, spawning: Bool = true) -> [Action] {
        var actions: [Action] = []
        if phase == .running || phase == .draining {
            let live = workers.count { $0.isOpen && !isFull($0) }
            if spawning && !queue.isEmpty && live < configuration.workers {
                for _ in live..<configuration.workers { actions.append(.spawn(addWorker())) }
            }
            while let id = queue.first {
                var best: Int?
                for index in workers.indices {
                    let worker = workers[index]
                    guard worker.isOpen, !isFull(worker), worker.inFlight.count < configuration.pipelineDepth
                    else { continue }
                    if best.map({ worker.inFlight.count < workers[$0].inFlight.count }) ?? true { best = index }
                }
                guard let index = best else { break }
                queue.removeFirst()
                requests[id]?.worker = workers[index].id
                workers[index].inFlight.append(id)
                if workers[index].inFlight.count == 1 && workers[index].lifecycle == .ready { workers[index].headSince = now }
                workers[index].sent += 1
                actions.append(.send(id, to: workers[index].id))
            }
        }
        for index in workers.indices where workers[index].inFlight.isEmpty {
            let done = isFull(workers[index]) || (phase == .draining && queue.isEmpty)
            guard done else { continue }
            // A worker still spawning is retired once it starts (``workerStarted(_:now:)``).
            switch workers[index].lifecycle {
            case .starting(let since):
                workers[index].lifecycle = .retired(unservedSince: since)
            case .initializing, .ready:
                workers[index].lifecycle = .retired(unservedSince: nil)
            default:
                continue
            }
            actions.append(.retire(workers[index].id))
        }
        if phase != .running && phase != .stopped && workers.isEmpty && queue.isEmpty {
            phase = .stopped
            actions.append(.stopped)
        }
        return actions
    }
}
