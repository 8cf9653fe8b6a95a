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
        let sends = (1...5).flatMap { s.submit(UInt64($0), timeout: nil, now: t0) }
        #expect(sends == [.send(1, to: 0), .send(2, to: 1), .send(3, to: 0), .send(4, to: 1)])
        #expect(s.queuedCount == 1)
        let (verdict, actions) = s.replyReceived(1, from: 0, now: t0)
        #expect(verdict == .deliver)
        #expect(actions == [.send(5, to: 0)])
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
        s.workerReady(0, now: t0)
        #expect(s.nextDeadline == t0 + .seconds(2))
        #expect(s.tick(now: t0 + .seconds(1)) == [])
        #expect(s.tick(now: t0 + .seconds(2)) == [.fail(1, .timedOut(.seconds(2))), .kill(0)])
        #expect(s.workerExited(0, .signaled(signal: 9), now: t0) == [.spawn(1), .send(2, to: 1)])
    }

    @Test("the timeout clock starts when the worker is ready, not when it is spawned")
    func timeoutStartsAtReady() {
        var s = supervisor(workers: 1)
        _ = s.submit(1, timeout: .seconds(1), now: t0)
        #expect(s.nextDeadline == nil)
        s.workerReady(0, now: t0 + .seconds(5))
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
        _ = s.cancel(2, now: t0)
        _ = s.replyReceived(1, from: 0, now: t0)
        #expect(s.batchEnded(0) == [.kill(0)])
    }

    @Test("an acknowledged cancel keeps the worker")
    func acknowledgedCancel() {
        var s = supervisor(workers: 1, depth: 2)
        _ = s.start(now: t0)
        _ = s.submit(1, timeout: nil, now: t0)
        _ = s.submit(2, timeout: nil, now: t0)
        _ = s.cancel(2, now: t0)
        _ = s.replyReceived(1, from: 0, now: t0)
        #expect(s.replyReceived(2, from: 0, now: t0).0 == .ignore)
        #expect(s.batchEnded(0) == [])
    }

    @Test("a reply out of order breaks the protocol: the worker is killed and its head fails as corrupted")
    func outOfOrderReply() {
        var s = supervisor(workers: 1)
        _ = s.start(now: t0)
        _ = s.submit(1, timeout: nil, now: t0)
        let (verdict, actions) = s.replyReceived(7, from: 0, now: t0)
        #expect(verdict == .ignore)
        #expect(actions == [.kill(0)])
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
        _ = s.replyReceived(1, from: 0, now: t0)
        #expect(s.replyReceived(2, from: 0, now: t0).1 == [.retire(0)])
    }

    @Test("shutdown drains the queue, retires the workers and stops when they are gone")
    func gracefulShutdown() {
        var s = supervisor(workers: 1, depth: 1)
        _ = s.start(now: t0)
        _ = s.submit(1, timeout: nil, now: t0)
        _ = s.submit(2, timeout: nil, now: t0)
        #expect(s.shutdown(immediately: false, now: t0) == [])
        #expect(s.submit(3, timeout: nil, now: t0) == [.fail(3, .shutDown)])
        #expect(s.replyReceived(1, from: 0, now: t0).1 == [.send(2, to: 0)])
        #expect(s.replyReceived(2, from: 0, now: t0).1 == [.retire(0)])
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
        s.workerStarted(0, now: t0 + .seconds(3))
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
        s.workerStarted(0, now: t0)
        s.workerServing(0)
        #expect(s.nextDeadline == nil)
        #expect(s.tick(now: t0 + .seconds(60)) == [])
        s.workerReady(0, now: t0 + .seconds(60))
        #expect(s.nextDeadline == t0 + .seconds(61))
    }

    @Test("a worker that exits on its own before serving fails its work and the queue; a signal is a crash")
    func exitBeforeServing() {
        var s = supervisor(workers: 1, depth: 1)
        _ = s.submit(1, timeout: nil, now: t0)
        _ = s.submit(2, timeout: nil, now: t0)
        s.workerStarted(0, now: t0)
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
        s.workerStarted(0, now: t0)
        s.workerStarted(1, now: t0)
        s.workerReady(1, now: t0)
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
        s.initializerFailed(0, type: "E", message: "no")
        #expect(s.workerExited(0, .exited(status: 1), now: t0) == [
            .fail(1, .initializer(type: "E", message: "no")), .spawn(1), .send(2, to: 1),
        ])
    }
}
