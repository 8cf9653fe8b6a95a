import Parallel
import Testing

/// Waits at `barrier` and returns the outcome, so a thread can hand a typed error back to the test.
private func arrive(_ barrier: Barrier, timeout: Duration? = .seconds(10)) -> Result<Int, BarrierError> {
    Result { () throws(BarrierError) -> Int in try barrier.wait(timeout: timeout) }
}

/// Whether `result` is the `.broken` error.
private func isBroken(_ result: Result<Int, BarrierError>) -> Bool {
    if case .failure(.broken) = result { return true }
    return false
}

extension ThreadsTests {
    @Suite("Barrier", .timeLimit(.minutes(1)))
    struct BarrierTests {
        @Test("fewer than one party is refused with a typed error")
        func invalidParties() {
            let error = #expect(throws: BarrierError.self) { _ = try Barrier(parties: 0) }
            guard case .invalidParties(0)? = error else {
                Issue.record("expected .invalidParties(0), got \(String(describing: error))")
                return
            }
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

        @Test("abort wakes the waiting threads with .broken")
        func abortBreaks() throws {
            let barrier = try Barrier(parties: 3)
            let waiters = try (0..<2).map { _ in try spawnThread { arrive(barrier) } }
            barrier.abort()
            for waiter in waiters { #expect(isBroken(try waiter.join())) }
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
                case .failure(.actionFailed(let error)):
                    #expect(error as? Boom == Boom(id: 9))
                    actionFailures += 1
                case .failure(.broken): broken += 1
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
