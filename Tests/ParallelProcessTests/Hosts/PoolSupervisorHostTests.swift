@testable import Parallel
import Testing

/// The supervisor's rules for workers on other hosts, without a process: a lost link, a host that
/// cannot start a worker, and the one retry an idempotent task gets.
@Suite("PoolSupervisor: hosts", .timeLimit(.minutes(1)))
struct PoolSupervisorHostTests {
    let t0 = ContinuousClock.now
    let lost = WorkerExit.lost(host: "h1", reason: "no word from the host for 10 seconds")

    /// Two workers, both serving; requests 1–4 sent (1 and 3 to worker 0, 2 and 4 to worker 1), with
    /// `retries` retries after a host loss each.
    func servingPool(retries: Int = 0) -> PoolSupervisor {
        var s = PoolSupervisor(configuration: .init(workers: 2, pipelineDepth: 2))
        _ = s.start(now: t0)
        for worker in 0..<2 {
            _ = s.workerStarted(worker, now: t0)
            _ = s.frameReceived(.serving, from: worker, now: t0)
            _ = s.frameReceived(.ready, from: worker, now: t0)
        }
        let sends = (1...4).flatMap { s.submit(UInt64($0), timeout: nil, retriesAfterHostLoss: retries, now: t0) }
        #expect(sends == [.send(1, to: 0), .send(2, to: 1), .send(3, to: 0), .send(4, to: 1)])
        return s
    }

    @Test("a lost link fails the request running there with the loss (never run again silently); the ones behind it go elsewhere")
    func lostFailsTheHead() {
        var s = servingPool()
        #expect(s.workerExited(0, lost, now: t0) == [.fail(1, .crashed(lost)), .spawn(2), .send(3, to: 2)])
    }

    @Test("an idempotent request lost with its host runs once more, first in line; lost again, it fails")
    func idempotentRetriesOnce() {
        var s = servingPool(retries: 1)
        #expect(s.workerExited(0, lost, now: t0) == [.spawn(2), .send(1, to: 2), .send(3, to: 2)])
        _ = s.workerStarted(2, now: t0)
        _ = s.frameReceived(.serving, from: 2, now: t0)
        _ = s.frameReceived(.ready, from: 2, now: t0)
        #expect(s.workerExited(2, lost, now: t0) == [.fail(1, .crashed(lost)), .spawn(3), .send(3, to: 3)])
    }

    @Test("a crash of an idempotent request is not retried: only a lost link is")
    func crashIsNotRetried() {
        var s = servingPool(retries: 1)
        let crash = WorkerExit.signaled(signal: 9)
        #expect(s.workerExited(0, crash, now: t0) == [.fail(1, .crashed(crash)), .spawn(2), .send(3, to: 2)])
    }

    @Test("a host that cannot start a worker: what waited for it goes to a live worker; with none left it fails naming the host")
    func hostUnavailable() {
        var s = PoolSupervisor(configuration: .init(workers: 2, pipelineDepth: 2))
        #expect(s.submit(1, timeout: nil, now: t0) == [.spawn(0), .spawn(1), .send(1, to: 0)])
        #expect(s.hostUnavailable(0, host: "h1", reason: "ssh exited 255", now: t0) == [.send(1, to: 1)])
        #expect(s.hostUnavailable(1, host: "h2", reason: "connection refused", now: t0) == [
            .fail(1, .spawn("connection refused", host: "h2")),
        ])
    }

    @Test("a link lost before its worker served is a start failure on that host: the work waits for another worker, and fails when none is left")
    func lostBeforeServing() {
        var s = PoolSupervisor(configuration: .init(workers: 2, pipelineDepth: 2))
        _ = s.submit(1, timeout: nil, now: t0)
        _ = s.workerStarted(0, now: t0)
        _ = s.workerStarted(1, now: t0)
        // Worker 1 lives, so request 1 goes to it; a replacement is asked for, as after any exit.
        #expect(s.workerExited(0, lost, now: t0) == [.spawn(2), .send(1, to: 1)])
        #expect(s.workerExited(1, lost, now: t0) == [.spawn(3), .send(1, to: 2)])
        // The host's link is down: the replacements are refused at once, and then nothing is left.
        #expect(s.hostUnavailable(3, host: "h1", reason: "backing off", now: t0) == [])
        #expect(s.hostUnavailable(2, host: "h1", reason: "backing off", now: t0) == [.fail(1, .spawn("backing off", host: "h1"))])
        #expect(s.workerIDs.isEmpty)
    }

    @Test("a spawn failure on a host reads as that host's, not as the local program's")
    func spawnFailureNamesTheHost() {
        let error = PoolSupervisor.Failure.spawn("ssh exited 255: Connection refused", host: "build-1")
            .error(task: "Square", executable: "/opt/app", frameLimit: 1 << 20)
        #expect("\(error)" == "could not start worker process on host build-1: ssh exited 255: Connection refused")
    }
}
