#if canImport(Glibc)
import Glibc
#endif
import Parallel
import Testing

/// Waits at `barrier` and returns the outcome, so a thread can hand the error back to the test.
private func arrive(_ barrier: Barrier, timeout: Duration? = .seconds(10)) -> Result<Int, any Error> {
    Result { try barrier.wait(timeout: timeout) }
}

/// Whether `result` is the `.broken` error.
private func isBroken(_ result: Result<Int, any Error>) -> Bool {
    if case .failure(BarrierError.broken) = result { return true }
    return false
}

/// Whether `count` threads are blocked in `barrier`'s wait, yielding between checks, at most
/// `limit`. `waitingCount` is read under the barrier's lock, which a waiter only gives up inside
/// its condition wait: once it reaches `count`, that many threads are parked there.
private func parked(_ count: Int, at barrier: Barrier, within limit: Duration = .seconds(10)) -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + limit
    while barrier.waitingCount < count, clock.now < deadline { sched_yield() }
    return barrier.waitingCount == count
}

extension ThreadsTests {
    @Suite("Barrier", .timeLimit(.minutes(1)))
    struct BarrierTests {
        @Test("fewer than one party, or a negative timeout, is refused at the call with a message naming it",
              arguments: [
                  (0, nil, "parties must be at least 1 (got 0)"),
                  (-1, nil, "parties must be at least 1 (got -1)"),
                  (2, Duration.seconds(-1), "timeout must be zero or more (got -1.0 seconds)"),
              ] as [(Int, Duration?, String)])
        func invalidArguments(parties: Int, timeout: Duration?, message: String) {
            let error = #expect(throws: InvalidArgumentError.self) { _ = try Barrier(parties: parties, timeout: timeout) }
            #expect(error?.description == message)
        }

        @Test("a negative wait timeout is refused at the call and leaves the barrier usable")
        func negativeWaitTimeout() throws {
            let barrier = try Barrier(parties: 1)
            let error = #expect(throws: InvalidArgumentError.self) { try barrier.wait(timeout: .milliseconds(-5)) }
            #expect(error?.description == "timeout must be zero or more (got -0.005 seconds)")
            #expect(!barrier.isBroken)
            #expect(try barrier.wait(timeout: .zero) == 0)
        }

        @Test("all parties are released together, with distinct indices, after the action ran once")
        func releasesTogether() throws {
            let actionRuns = LockedValue(0)
            let barrier = try Barrier(parties: 4) { actionRuns.withLock { $0 += 1 } }
            let threads = try (0..<4).map { _ in
                try spawnThread { () -> (Int, Int) in
                    let index = (try? barrier.wait(timeout: .seconds(10))) ?? -1
                    return (index, actionRuns.withLock { $0 })
                }
            }
            let results = try threads.map { try $0.join() }
            #expect(Set(results.map(\.0)) == [0, 1, 2, 3])
            #expect(results.allSatisfy { $0.1 == 1 })   // every thread saw the action done
        }

        @Test("the barrier is reusable: three rounds run the action three times")
        func reusable() throws {
            let actionRuns = LockedValue(0)
            let barrier = try Barrier(parties: 3) { actionRuns.withLock { $0 += 1 } }
            let threads = try (0..<3).map { _ in
                try spawnThread { (0..<3).map { _ in arrive(barrier) } }
            }
            for thread in threads {
                let rounds = try thread.join()
                #expect(rounds.allSatisfy { (try? $0.get()) != nil })
            }
            #expect(actionRuns.withLock { $0 } == 3)
            #expect(!barrier.isBroken)
        }

        @Test("a timeout breaks the barrier for every waiter, after really waiting; reset repairs it")
        func timeoutBreaks() throws {
            let barrier = try Barrier(parties: 3)
            let patient = try spawnThread { arrive(barrier, timeout: .seconds(10)) }
            let (impatient, elapsed) = timed { arrive(barrier, timeout: .milliseconds(50)) }
            #expect(isBroken(impatient))
            #expect(elapsed >= .milliseconds(50))
            #expect(isBroken(try patient.join()))
            #expect(barrier.isBroken)
            #expect(isBroken(arrive(barrier)))   // later callers fail at once

            barrier.reset()
            #expect(!barrier.isBroken)
            let others = try (0..<2).map { _ in try spawnThread { arrive(barrier) } }
            #expect((try? arrive(barrier).get()) != nil)
            for other in others { #expect((try? other.join().get()) != nil) }
        }

        @Test("the barrier's default timeout applies when wait passes none")
        func defaultTimeout() throws {
            let barrier = try Barrier(parties: 2, timeout: .milliseconds(30))
            let (result, elapsed) = timed { arrive(barrier, timeout: nil) }
            #expect(isBroken(result))
            #expect(elapsed >= .milliseconds(30))
        }

        @Test("abort wakes the threads already waiting with .broken")
        func abortBreaks() throws {
            let barrier = try Barrier(parties: 3)
            let waiters = try (0..<2).map { _ in try spawnThread { arrive(barrier, timeout: .seconds(30)) } }
            try #require(parked(2, at: barrier), "the two threads never reached the barrier's wait")
            barrier.abort()
            // Woken by the abort, long before their own 30 s timeout.
            for waiter in waiters {
                let outcome = try waiter.join(timeout: .seconds(5))
                #expect(outcome.map(isBroken) == true, "a waiting thread was not woken by abort()")
            }
            #expect(barrier.isBroken)
        }

        @Test("an action that throws gives its thread .actionFailed and the others .broken")
        func actionFails() throws {
            let barrier = try Barrier(parties: 3) { throw Boom(id: 9) }
            let threads = try (0..<3).map { _ in try spawnThread { arrive(barrier) } }
            var actionFailures = 0
            var broken = 0
            for thread in try threads.map({ try $0.join() }) {
                switch thread {
                case .failure(BarrierError.actionFailed(let error)):
                    #expect(error as? Boom == Boom(id: 9))
                    actionFailures += 1
                case .failure(BarrierError.broken): broken += 1
                default: Issue.record("unexpected outcome \(thread)")
                }
            }
            #expect(actionFailures == 1)
            #expect(broken == 2)
            #expect(barrier.isBroken)
        }

        @Test("a one-party barrier never blocks and runs its action on every wait")
        func oneParty() throws {
            let runs = LockedValue(0)
            let barrier = try Barrier(parties: 1) { runs.withLock { $0 += 1 } }
            #expect(try barrier.wait() == 0)
            #expect(try barrier.wait() == 0)
            #expect(runs.withLock { $0 } == 2)
            #expect(barrier.waitingCount == 0)
        }
    }
}
