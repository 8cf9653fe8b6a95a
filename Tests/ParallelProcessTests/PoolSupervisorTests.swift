@testable import Parallel
import Testing

/// The supervisor's rules, without a process: events in, actions out.
@Suite("PoolSupervisor", .timeLimit(.minutes(1)))
struct PoolSupervisorTests {
    typealias Action = PoolSupervisor.Action
    let t0 = ContinuousClock.now

    func supervisor(workers: Int = 2, depth: Int = 2, maxTasks: Int? = nil) -> PoolSupervisor {
        PoolSupervisor(configuration: .init(workers: workers, pipelineDepth: depth, maxTasksPerWorker: maxTasks))
    }

    @Test("the first request starts every worker and goes to one of them")
    func firstRequestSpawns() {
        var s = supervisor()
        #expect(s.submit(1, timeout: nil, now: t0) == [.spawn(0), .spawn(1), .send(1, to: 0)])
        #expect(s.submit(2, timeout: nil, now: t0) == [.send(2, to: 1)])
    }

    @Test("requests go to the least busy worker, at most pipelineDepth per worker, the rest wait")
    func pipelining() {
        var s = supervisor(depth: 2)
        _ = s.start(now: t0)
        #expect(s.workerStarted(0, now: t0) == [])
        let sends = (1...5).flatMap { s.submit(UInt64($0), timeout: nil, now: t0) }
        #expect(sends == [.send(1, to: 0), .send(2, to: 1), .send(3, to: 0), .send(4, to: 1)])
        #expect(s.queuedCount == 1)
        #expect(s.frameReceived(.outputs(id: 1, payload: [7]), from: 0, now: t0) == [
            .deliver(1, .outputs([7])), .send(5, to: 0),
        ])
    }

    @Test("a crash fails the running request, requeues the ones behind it and starts a replacement")
    func crash() {
        var s = supervisor(workers: 1, depth: 3)
        _ = s.start(now: t0)
        _ = (1...3).map { s.submit(UInt64($0), timeout: nil, now: t0) }
        let actions = s.workerExited(0, .signaled(signal: 9), now: t0)
        #expect(actions == [
            .fail(1, .crashed(.signaled(signal: 9))), .spawn(1), .send(2, to: 1), .send(3, to: 1),
        ])
    }

    @Test("a request past its timeout fails with timedOut and its worker is killed")
    func timeout() {
        var s = supervisor(workers: 1)
        _ = s.start(now: t0)
        _ = s.submit(1, timeout: .seconds(2), now: t0)
        _ = s.submit(2, timeout: nil, now: t0)
        #expect(s.workerStarted(0, now: t0) == [])
        #expect(s.frameReceived(.ready, from: 0, now: t0) == [])
        #expect(s.nextDeadline == t0 + .seconds(2))
        #expect(s.tick(now: t0 + .seconds(1)) == [])
        #expect(s.tick(now: t0 + .seconds(2)) == [.fail(1, .timedOut(.seconds(2))), .kill(0)])
        #expect(s.workerExited(0, .signaled(signal: 9), now: t0) == [.spawn(1), .send(2, to: 1)])
    }

    @Test("the timeout clock starts when the worker is ready, not when it is spawned")
    func timeoutStartsAtReady() {
        var s = supervisor(workers: 1)
        _ = s.submit(1, timeout: .seconds(1), now: t0)
        #expect(s.workerStarted(0, now: t0) == [])
        #expect(s.frameReceived(.ready, from: 0, now: t0 + .seconds(5)) == [])
        #expect(s.nextDeadline == t0 + .seconds(6))
    }

    @Test("cancelling a queued request drops it; a running one kills its worker; a waiting one is skipped")
    func cancellation() {
        var s = supervisor(workers: 1, depth: 2)
        _ = s.start(now: t0)
        _ = (1...3).map { s.submit(UInt64($0), timeout: nil, now: t0) }
        #expect(s.cancel(3, now: t0) == [.fail(3, .cancelled)])
        #expect(s.cancel(2, now: t0) == [.fail(2, .cancelled), .sendCancel(2, to: 0)])
        #expect(s.cancel(1, now: t0) == [.fail(1, .cancelled), .kill(0)])
        #expect(s.workerExited(0, .signaled(signal: 9), now: t0) == [])
        #expect(s.unresolvedCount == 0)
    }

    @Test("cancelling a whole call settles it at once: each busy worker is killed once, nothing is sent or started")
    func cancellingAWholeCall() {
        var s = supervisor(workers: 2, depth: 2)
        _ = s.start(now: t0)
        let ids = (1...1000).map(UInt64.init)
        for id in ids { _ = s.submit(id, timeout: nil, now: t0) }
        let actions = s.cancel(ids, now: t0)
        // Requests 1 and 2 run on workers 0 and 1; 3 and 4 wait behind them; the rest are queued.
        let expected: [Action] = [.fail(1, .cancelled), .kill(0), .fail(2, .cancelled), .kill(1)]
            + ids.dropFirst(2).map { .fail($0, .cancelled) }
        #expect(actions == expected)
        #expect(s.queuedCount == 0)
        #expect(s.workerExited(0, .signaled(signal: 9), now: t0) == [])
        #expect(s.workerExited(1, .signaled(signal: 9), now: t0) == [])
        #expect(s.unresolvedCount == 0)
    }

    @Test("after a call is cancelled, other queued work gets at most one replacement per killed worker")
    func cancellingACallBesideOtherWork() {
        var s = supervisor(workers: 2, depth: 2)
        _ = s.start(now: t0)
        let call = (1...100).map(UInt64.init)
        for id in call { _ = s.submit(id, timeout: nil, now: t0) }
        _ = s.submit(101, timeout: nil, now: t0)
        _ = s.submit(102, timeout: nil, now: t0)
        let cancelled = s.cancel(call, now: t0).filter { if case .fail = $0 { false } else { true } }
        // The killed workers' places are taken at once, by the work that was waiting.
        #expect(cancelled == [.kill(0), .kill(1), .spawn(2), .spawn(3), .send(101, to: 2), .send(102, to: 3)])
        #expect(s.workerExited(0, .signaled(signal: 9), now: t0) == [])
        #expect(s.workerExited(1, .signaled(signal: 9), now: t0) == [])
    }

    @Test("a cancelled request that becomes the head without an acknowledgement gets its worker killed")
    func cancelledHeadKills() {
        var s = supervisor(workers: 1, depth: 2)
        _ = s.start(now: t0)
        _ = s.submit(1, timeout: nil, now: t0)
        _ = s.submit(2, timeout: nil, now: t0)
        #expect(s.workerStarted(0, now: t0) == [])
        _ = s.cancel(2, now: t0)
        #expect(s.frameReceived(.outputs(id: 1, payload: []), from: 0, now: t0) == [.deliver(1, .outputs([]))])
        #expect(s.batchEnded(0) == [.kill(0)])
    }

    @Test("an acknowledged cancel keeps the worker")
    func acknowledgedCancel() {
        var s = supervisor(workers: 1, depth: 2)
        _ = s.start(now: t0)
        _ = s.submit(1, timeout: nil, now: t0)
        _ = s.submit(2, timeout: nil, now: t0)
        #expect(s.workerStarted(0, now: t0) == [])
        _ = s.cancel(2, now: t0)
        _ = s.frameReceived(.outputs(id: 1, payload: []), from: 0, now: t0)
        #expect(s.frameReceived(.cancelled(id: 2), from: 0, now: t0) == [], "the caller was failed at the cancel already")
        #expect(s.batchEnded(0) == [])
    }

    @Test("a reply out of order breaks the protocol: the worker is killed and its head fails as corrupted")
    func outOfOrderReply() {
        var s = supervisor(workers: 1)
        _ = s.start(now: t0)
        _ = s.submit(1, timeout: nil, now: t0)
        #expect(s.workerStarted(0, now: t0) == [])
        #expect(s.frameReceived(.outputs(id: 7, payload: []), from: 0, now: t0) == [.kill(0)])
        #expect(s.workerExited(0, .signaled(signal: 9), now: t0) == [
            .fail(1, .channel("a reply to request 7 while request 1 was running")),
        ])
    }

    @Test("maxTasksPerWorker retires a worker after its last request; a replacement takes the new work")
    func recycling() {
        var s = supervisor(workers: 1, depth: 2, maxTasks: 2)
        _ = s.start(now: t0)
        _ = (1...2).map { s.submit(UInt64($0), timeout: nil, now: t0) }
        #expect(s.inFlight(0) == [1, 2])
        // The replacement starts as soon as the old worker takes no more work.
        #expect(s.submit(3, timeout: nil, now: t0) == [.spawn(1), .send(3, to: 1)])
        #expect(s.workerStarted(0, now: t0) == [])
        #expect(s.frameReceived(.ready, from: 0, now: t0) == [])
        _ = s.frameReceived(.outputs(id: 1, payload: []), from: 0, now: t0)
        #expect(s.frameReceived(.outputs(id: 2, payload: []), from: 0, now: t0) == [.deliver(2, .outputs([])), .retire(0)])
        #expect(s.lifecycle(of: 0) == .retired(unservedSince: nil))
    }

    @Test("shutdown drains the queue, retires the workers and stops when they are gone")
    func gracefulShutdown() {
        var s = supervisor(workers: 1, depth: 1)
        _ = s.start(now: t0)
        _ = s.submit(1, timeout: nil, now: t0)
        _ = s.submit(2, timeout: nil, now: t0)
        #expect(s.shutdown(immediately: false, now: t0) == [])
        #expect(s.submit(3, timeout: nil, now: t0) == [.fail(3, .shutDown)])
        #expect(s.workerStarted(0, now: t0) == [])
        #expect(s.frameReceived(.outputs(id: 1, payload: []), from: 0, now: t0) == [.deliver(1, .outputs([])), .send(2, to: 0)])
        #expect(s.frameReceived(.outputs(id: 2, payload: []), from: 0, now: t0) == [.deliver(2, .outputs([])), .retire(0)])
        #expect(s.workerExited(0, .exited(status: 0), now: t0) == [.stopped])
        #expect(s.isStopped)
    }

    @Test("shutdownNow fails everything with shutDown and kills every worker")
    func immediateShutdown() {
        var s = supervisor(workers: 1, depth: 1)
        _ = s.start(now: t0)
        _ = s.submit(1, timeout: nil, now: t0)
        _ = s.submit(2, timeout: nil, now: t0)
        #expect(s.shutdown(immediately: true, now: t0) == [.fail(2, .shutDown), .fail(1, .shutDown), .kill(0)])
        #expect(s.workerExited(0, .signaled(signal: 9), now: t0) == [.stopped])
    }

    @Test("a failed spawn fails what waited for that worker")
    func spawnFailure() {
        var s = supervisor(workers: 1, depth: 1)
        _ = s.submit(1, timeout: nil, now: t0)
        _ = s.submit(2, timeout: nil, now: t0)
        #expect(s.spawnFailed(0, reason: "ENOENT", now: t0) == [.fail(1, .spawn("ENOENT")), .fail(2, .spawn("ENOENT"))])
    }

    /// The failure of work held by a program that does not serve worker mode.
    func notServing(_ reason: String) -> PoolSupervisor.Failure {
        .spawn("\(reason); a program used as a worker must call ProcessWorker.serveIfRequested(_:) first thing in main")
    }

    @Test("a started worker silent past the start timeout is killed, and its work and the queue fail naming serveIfRequested")
    func startTimeout() {
        var s = PoolSupervisor(configuration: .init(workers: 1, pipelineDepth: 1, startTimeout: .seconds(10)))
        _ = s.submit(1, timeout: .seconds(1), now: t0)
        _ = s.submit(2, timeout: nil, now: t0)
        #expect(s.nextDeadline == nil, "no start clock before the process exists")
        #expect(s.workerStarted(0, now: t0 + .seconds(3)) == [])
        #expect(s.nextDeadline == t0 + .seconds(13))
        #expect(s.tick(now: t0 + .seconds(12)) == [])
        let failure = notServing("it did not start serving within 10.0 seconds")
        #expect(s.tick(now: t0 + .seconds(13)) == [.fail(1, failure), .fail(2, failure), .kill(0)])
        #expect(s.workerExited(0, .signaled(signal: 9), now: t0) == [], "no new worker until new work comes")
        #expect(s.unresolvedCount == 0)
        #expect(s.submit(3, timeout: nil, now: t0) == [.spawn(1), .send(3, to: 1)])
    }

    @Test("the start clock stops when the worker serves: its initializer's time does not count")
    func servingStopsStartClock() {
        var s = PoolSupervisor(configuration: .init(workers: 1, startTimeout: .seconds(10)))
        _ = s.submit(1, timeout: .seconds(1), now: t0)
        #expect(s.workerStarted(0, now: t0) == [])
        #expect(s.frameReceived(.serving, from: 0, now: t0) == [])
        #expect(s.nextDeadline == nil)
        #expect(s.tick(now: t0 + .seconds(60)) == [])
        #expect(s.frameReceived(.ready, from: 0, now: t0 + .seconds(60)) == [])
        #expect(s.nextDeadline == t0 + .seconds(61))
    }

    @Test("a worker that exits on its own before serving fails its work and the queue; a signal is a crash")
    func exitBeforeServing() {
        var s = supervisor(workers: 1, depth: 1)
        _ = s.submit(1, timeout: nil, now: t0)
        _ = s.submit(2, timeout: nil, now: t0)
        #expect(s.workerStarted(0, now: t0) == [])
        let failure = notServing("it exited with status 0 before serving worker mode")
        #expect(s.workerExited(0, .exited(status: 0), now: t0) == [.fail(1, failure), .fail(2, failure)])
        _ = s.submit(3, timeout: nil, now: t0)
        _ = s.submit(4, timeout: nil, now: t0)
        #expect(s.workerExited(1, .signaled(signal: 9), now: t0) == [
            .fail(3, .crashed(.signaled(signal: 9))), .spawn(2), .send(4, to: 2),
        ])
    }

    @Test("while another worker serves, a start failure fails only what the silent worker held")
    func startFailureWithServingPeer() {
        var s = supervisor(workers: 2, depth: 1)
        _ = (1...3).map { s.submit(UInt64($0), timeout: nil, now: t0) }
        #expect(s.workerStarted(0, now: t0) == [])
        #expect(s.workerStarted(1, now: t0) == [])
        #expect(s.frameReceived(.ready, from: 1, now: t0) == [])
        let failure = notServing("it did not start serving within 10.0 seconds")
        #expect(s.tick(now: t0 + .seconds(10)) == [.fail(1, failure), .kill(0)])
        #expect(s.queuedCount == 1)
        #expect(s.workerExited(0, .signaled(signal: 9), now: t0) == [.spawn(2), .send(3, to: 2)])
    }

    @Test("a failed initializer fails the head with initializerFailed when the worker exits")
    func initializerFailure() {
        var s = supervisor(workers: 1, depth: 2)
        _ = s.submit(1, timeout: nil, now: t0)
        _ = s.submit(2, timeout: nil, now: t0)
        #expect(s.workerStarted(0, now: t0) == [])
        #expect(s.frameReceived(.serving, from: 0, now: t0) == [])
        #expect(s.frameReceived(.initializerFailed(type: "E", message: "no"), from: 0, now: t0) == [])
        #expect(s.workerExited(0, .exited(status: 1), now: t0) == [
            .fail(1, .initializer(type: "E", message: "no")), .spawn(1), .send(2, to: 1),
        ])
    }

    // MARK: Frames and the worker's lifecycle

    @Test("a worker's life: spawning, starting when its process exists, initializing when it serves, ready, retired")
    func lifecycle() {
        var s = supervisor(workers: 1, depth: 1, maxTasks: 1)
        #expect(s.submit(1, timeout: nil, now: t0) == [.spawn(0), .send(1, to: 0)])
        #expect(s.lifecycle(of: 0) == .spawning)
        #expect(s.workerStarted(0, now: t0) == [])
        #expect(s.lifecycle(of: 0) == .starting(since: t0))
        #expect(s.frameReceived(.serving, from: 0, now: t0) == [])
        #expect(s.lifecycle(of: 0) == .initializing)
        #expect(s.frameReceived(.ready, from: 0, now: t0) == [])
        #expect(s.lifecycle(of: 0) == .ready)
        #expect(s.frameReceived(.outputs(id: 1, payload: [1]), from: 0, now: t0) == [.deliver(1, .outputs([1])), .retire(0)])
        #expect(s.lifecycle(of: 0) == .retired(unservedSince: nil))
        #expect(s.workerExited(0, .exited(status: 0), now: t0) == [])
        #expect(s.lifecycle(of: 0) == nil)
    }

    @Test("each kind of reply settles the head: outputs and results are delivered, a failed frame fails it with the worker's reason")
    func replies() {
        var s = supervisor(workers: 1, depth: 3)
        _ = (1...3).map { s.submit(UInt64($0), timeout: nil, now: t0) }
        #expect(s.workerStarted(0, now: t0) == [])
        #expect(s.frameReceived(.ready, from: 0, now: t0) == [])
        let items: [Frame.ItemResult] = [.success([1]), .failure(type: "E", message: "m")]
        #expect(s.frameReceived(.results(id: 1, items: items), from: 0, now: t0) == [.deliver(1, .results(items))])
        #expect(s.frameReceived(.failed(id: 2, reason: .unknownTask, message: "Fib"), from: 0, now: t0) == [
            .fail(2, .worker(.unknownTask, message: "Fib")),
        ])
        #expect(s.frameReceived(.outputs(id: 3, payload: [9]), from: 0, now: t0) == [.deliver(3, .outputs([9]))])
        #expect(s.unresolvedCount == 0)
        #expect(s.lifecycle(of: 0) == .ready, "a failed request does not end the worker")
    }

    @Test("a message only the parent sends breaks the protocol: the worker is killed and its head fails as corrupted")
    func parentsMessageFromWorker() {
        for frame: Frame in [.run(id: 1, task: "T", count: 1, payload: []), .cancel(id: 1), .initialize(task: "I", payload: [])] {
            var s = supervisor(workers: 1)
            _ = s.submit(1, timeout: nil, now: t0)
            #expect(s.workerStarted(0, now: t0) == [])
            #expect(s.frameReceived(frame, from: 0, now: t0) == [.kill(0)])
            #expect(s.lifecycle(of: 0) == .killed(headFailure: .channel("the worker sent a parent's message")))
            #expect(s.workerExited(0, .signaled(signal: 9), now: t0) == [.fail(1, .channel("the worker sent a parent's message"))])
        }
    }

    @Test("garbage or an oversized frame kills the worker, and its head fails with what was wrong")
    func corruptedChannel() {
        var s = supervisor(workers: 2, depth: 1)
        _ = (1...2).map { s.submit(UInt64($0), timeout: nil, now: t0) }
        #expect(s.workerStarted(0, now: t0) == [])
        #expect(s.workerStarted(1, now: t0) == [])
        #expect(s.channelCorrupted(0, .tooLarge(size: 2000, limit: 1024)) == [.kill(0)])
        #expect(s.channelCorrupted(1, .malformed("bad magic")) == [.kill(1)])
        #expect(s.workerExited(0, .signaled(signal: 9), now: t0) == [.fail(1, .frameTooLarge(size: 2000, limit: 1024))])
        #expect(s.workerExited(1, .signaled(signal: 9), now: t0) == [.fail(2, .channel("malformed frame: bad magic"))])
    }

    @Test("a channel that ends in the middle of a frame kills the worker and fails its head; a clean end changes nothing")
    func channelClosed() {
        var s = supervisor(workers: 1)
        _ = s.submit(1, timeout: nil, now: t0)
        #expect(s.workerStarted(0, now: t0) == [])
        #expect(s.channelClosed(0, truncatedBytes: 0) == [])
        #expect(s.lifecycle(of: 0) == .starting(since: t0))
        #expect(s.channelClosed(0, truncatedBytes: 5) == [.kill(0)])
        #expect(s.workerExited(0, .signaled(signal: 9), now: t0) == [
            .fail(1, .channel("a truncated frame: the channel ended 5 bytes into a message")),
        ])
    }

    @Test("a worker whose channel has ended takes no new request: one submitted before its reap goes to a replacement")
    func noRequestAfterChannelEnd() {
        var s = supervisor(workers: 1)
        _ = s.submit(1, timeout: nil, now: t0)
        #expect(s.workerStarted(0, now: t0) == [])
        #expect(s.frameReceived(.ready, from: 0, now: t0) == [])
        #expect(s.frameReceived(.outputs(id: 1, payload: [1]), from: 0, now: t0) == [.deliver(1, .outputs([1]))])
        // The worker died idle (its fork server was killed): the end of its channel comes first, its
        // reap a moment later, and a caller may submit in between.
        #expect(s.channelClosed(0, truncatedBytes: 0) == [])
        #expect(s.submit(2, timeout: nil, now: t0) == [.spawn(1), .send(2, to: 1)])
        #expect(s.workerExited(0, .exited(status: -1), now: t0) == [])
    }

    @Test("the frames of a worker being killed are ignored, a reply included")
    func framesOfKilledWorker() {
        var s = supervisor(workers: 1, depth: 2)
        _ = s.submit(1, timeout: .seconds(1), now: t0)
        _ = s.submit(2, timeout: nil, now: t0)
        #expect(s.workerStarted(0, now: t0) == [])
        #expect(s.frameReceived(.ready, from: 0, now: t0) == [])
        #expect(s.tick(now: t0 + .seconds(1)) == [.fail(1, .timedOut(.seconds(1))), .kill(0)])
        #expect(s.lifecycle(of: 0) == .killed(headFailure: nil))
        #expect(s.frameReceived(.outputs(id: 1, payload: []), from: 0, now: t0) == [])
        #expect(s.frameReceived(.outputs(id: 7, payload: []), from: 0, now: t0) == [], "not even a protocol error")
        #expect(s.channelCorrupted(0, .malformed("x")) == [])
        #expect(s.workerExited(0, .signaled(signal: 9), now: t0) == [.spawn(1), .send(2, to: 1)])
    }

    @Test("a kill asked for before the worker's process exists is asked for again when it starts")
    func killBeforeStart() {
        var s = supervisor(workers: 1, depth: 1)
        _ = s.start(now: t0)
        #expect(s.shutdown(immediately: true, now: t0) == [.kill(0)])
        #expect(s.workerStarted(0, now: t0) == [.kill(0)])
        #expect(s.lifecycle(of: 0) == .killed(headFailure: nil))
        #expect(s.workerExited(0, .signaled(signal: 9), now: t0) == [.stopped])
    }

    @Test("a worker due to retire while spawning is retired when it starts, and still owes its start")
    func retireAtStart() {
        var s = PoolSupervisor(configuration: .init(workers: 1, startTimeout: .seconds(10)))
        _ = s.start(now: t0)
        #expect(s.shutdown(immediately: false, now: t0) == [], "no process to close the input of yet")
        #expect(s.workerStarted(0, now: t0) == [.retire(0)])
        #expect(s.lifecycle(of: 0) == .retired(unservedSince: t0))
        #expect(s.nextDeadline == t0 + .seconds(10), "a retired worker that never serves is still killed in time")
        #expect(s.tick(now: t0 + .seconds(10)) == [.kill(0)])
        #expect(s.workerExited(0, .signaled(signal: 9), now: t0) == [.stopped])
    }

    @Test("a retired worker that says it serves and exits normally ends the pool's shutdown without a start failure")
    func retiredWorkerServes() {
        var s = supervisor(workers: 1)
        _ = s.start(now: t0)
        _ = s.shutdown(immediately: false, now: t0)
        _ = s.workerStarted(0, now: t0)
        #expect(s.frameReceived(.ready, from: 0, now: t0) == [])
        #expect(s.lifecycle(of: 0) == .retired(unservedSince: nil))
        #expect(s.nextDeadline == nil)
        #expect(s.workerExited(0, .exited(status: 0), now: t0) == [.stopped])
    }

    @Test("a failed initializer ends the worker's part: later frames are ignored and it is not killed again")
    func initializerFailureEnds() {
        var s = supervisor(workers: 1, depth: 1)
        _ = s.submit(1, timeout: .seconds(1), now: t0)
        _ = s.workerStarted(0, now: t0)
        _ = s.frameReceived(.serving, from: 0, now: t0)
        #expect(s.frameReceived(.initializerFailed(type: "E", message: "no"), from: 0, now: t0) == [])
        #expect(s.lifecycle(of: 0) == .failedToInitialize(type: "E", message: "no"))
        #expect(s.frameReceived(.ready, from: 0, now: t0) == [])
        #expect(s.cancel(1, now: t0) == [.fail(1, .cancelled)], "no kill: it is exiting by itself")
        #expect(!s.isKilled(0))
    }

    #if DEBUG
    @Test("an event the pool cannot produce (a worker started twice, a frame before its process exists) stops a debug build")
    func impossibleTransitionsStop() async {
        await #expect(processExitsWith: .failure) {
            var s = PoolSupervisor(configuration: .init(workers: 1))
            _ = s.start(now: .now)
            _ = s.workerStarted(0, now: .now)
            _ = s.workerStarted(0, now: .now)
        }
        await #expect(processExitsWith: .failure) {
            var s = PoolSupervisor(configuration: .init(workers: 1))
            _ = s.start(now: .now)
            _ = s.frameReceived(.ready, from: 0, now: .now)
        }
    }
    #endif
}
