@testable import Parallel
import Testing

/// The supervisor's rules, without a process: events in, actions out.
@Suite("PoolSupervisor")
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
