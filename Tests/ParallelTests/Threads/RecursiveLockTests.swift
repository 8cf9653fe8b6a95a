import Parallel
import Testing

extension ThreadsTests {
    @Suite("RecursiveLock", .timeLimit(.minutes(1)))
    struct RecursiveLockTests {
        @Test("the holding thread may lock again; the lock is free only after every unlock")
        func reentrant() throws {
            let lock = RecursiveLock()
            lock.lock()
            lock.lock()
            #expect(try spawnThread { lock.tryLock() }.join() == false)
            lock.unlock()
            #expect(try spawnThread { lock.tryLock() }.join() == false)
            lock.unlock()
            #expect(try spawnThread { () -> Bool in
                let got = lock.tryLock()
                if got { lock.unlock() }
                return got
            }.join())
        }

        @Test("nested withLock returns the inner value and keeps concurrent increments exact")
        func exactCounter() throws {
            let lock = RecursiveLock()
            nonisolated(unsafe) var total = 0  // guarded by lock
            let workers = try (0..<4).map { _ in
                try spawnThread {
                    for _ in 0..<5_000 { lock.withLock { lock.withLock { total += 1 } } }
                }
            }
            for worker in workers { try worker.join() }
            #expect(lock.withLock { lock.withLock { total } } == 20_000)
        }
    }
}
