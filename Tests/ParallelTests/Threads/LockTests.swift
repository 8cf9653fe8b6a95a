import Testing
import Parallel
import Dispatch

extension ThreadsTests {
    @Suite("Lock, LockedValue and Condition", .timeLimit(.minutes(1)))
    struct LockTests {
        @Test("a Lock makes concurrent increments exact")
        func lockGuardsCounter() {
            let counter = LockedValue(0)
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                for _ in 0..<10_000 { counter.withLock { $0 += 1 } }
            }
            #expect(counter.withLock { $0 } == 80_000)
        }

        @Test("tryLock fails while another holder has the lock and succeeds after")
        func tryLock() {
            let lock = Lock()
            lock.lock()
            let acquiredElsewhere = LockedValue(true)
            let thread = DispatchGroup()
            DispatchQueue.global().async(group: thread) {
                let got = lock.tryLock()
                if got { lock.unlock() }
                acquiredElsewhere.withLock { $0 = got }
            }
            thread.wait()
            #expect(acquiredElsewhere.withLock { $0 } == false)
            lock.unlock()
            #expect(lock.tryLock())
            lock.unlock()
        }

        @Test("Condition.wait(for:timeout:) returns false when the predicate never holds")
        func conditionTimesOut() throws {
            let condition = Condition()
            let clock = ContinuousClock()
            let start = clock.now
            let result = try condition.withLock { try condition.wait(for: { false }, timeout: .milliseconds(50)) }
            #expect(result == false)
            #expect(clock.now - start >= .milliseconds(50))
        }

        @Test("Condition wakes a waiter when notified with the predicate true")
        func conditionNotifies() {
            let condition = Condition()
            nonisolated(unsafe) var ready = false  // guarded by condition.lock
            let waiter = DispatchGroup()
            let result = LockedValue(false)
            DispatchQueue.global().async(group: waiter) {
                let value = condition.withLock { (try? condition.wait(for: { ready }, timeout: .seconds(10))) ?? false }
                result.withLock { $0 = value }
            }
            condition.withLock {
                ready = true
                condition.notifyAll()
            }
            #expect(waiter.wait(timeout: .now() + 10) == .success)
            #expect(result.withLock { $0 })
        }
    }
}
