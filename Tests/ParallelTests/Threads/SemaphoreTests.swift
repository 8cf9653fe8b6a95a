import Parallel
import Testing

extension ThreadsTests {
    @Suite("Semaphore and BoundedSemaphore", .timeLimit(.minutes(1)))
    struct SemaphoreTests {
        @Test("acquire without a permit really waits for the timeout, then returns false")
        func acquireTimesOut() throws {
            let semaphore = try Semaphore(value: 0)
            let (acquired, elapsed) = try timed { try semaphore.acquire(timeout: .milliseconds(50)) }
            #expect(acquired == false)
            #expect(elapsed >= .milliseconds(50))
            #expect(semaphore.tryAcquire() == false)
        }

        @Test("permits are counted: value 2 allows two acquires, then none until a release")
        func counting() throws {
            let semaphore = try Semaphore(value: 2)
            #expect(semaphore.tryAcquire())
            #expect(try semaphore.acquire(timeout: .zero))
            #expect(semaphore.tryAcquire() == false)
            semaphore.release()
            #expect(semaphore.tryAcquire())
        }

        @Test("a release on one thread wakes an acquirer blocked on another")
        func crossThreadWakeUp() throws {
            let semaphore = try Semaphore(value: 0)
            let started = Event()
            let acquirer = try spawnThread { () -> Bool in
                started.set()
                return try semaphore.acquire(timeout: .seconds(10))
            }
            #expect(try started.wait(timeout: .seconds(10)))
            semaphore.release()
            #expect(try acquirer.join())
        }

        @Test("no more threads than permits are ever inside at once")
        func limitsConcurrency() throws {
            let semaphore = try Semaphore(value: 2)
            let inside = LockedValue((now: 0, most: 0, total: 0))
            let workers = try (0..<6).map { _ in
                try spawnThread {
                    for _ in 0..<500 {
                        guard try semaphore.acquire(timeout: .seconds(10)) else { return }
                        inside.withLock { $0.now += 1; $0.most = max($0.most, $0.now); $0.total += 1 }
                        inside.withLock { $0.now -= 1 }
                        semaphore.release()
                    }
                }
            }
            for worker in workers { try worker.join() }
            let result = inside.withLock { $0 }
            #expect(result.total == 3_000)
            #expect(result.most <= 2)
            #expect(result.now == 0)
        }

        @Test("BoundedSemaphore refuses a release past its bound with a typed error")
        func boundedRelease() throws {
            let semaphore = try BoundedSemaphore(value: 1)
            #expect(throws: SemaphoreError.releasedTooManyTimes(bound: 1)) { try semaphore.release() }
            #expect(try semaphore.acquire(timeout: .seconds(1)))
            #expect(semaphore.tryAcquire() == false)
            try semaphore.release()
            #expect(throws: SemaphoreError.releasedTooManyTimes(bound: 1)) { try semaphore.release() }
            #expect(semaphore.tryAcquire())
        }

        @Test("BoundedSemaphore acquire times out after really waiting")
        func boundedTimeout() throws {
            let semaphore = try BoundedSemaphore(value: 0)
            let (acquired, elapsed) = try timed { try semaphore.acquire(timeout: .milliseconds(30)) }
            #expect(acquired == false)
            #expect(elapsed >= .milliseconds(30))
        }
    }
}
