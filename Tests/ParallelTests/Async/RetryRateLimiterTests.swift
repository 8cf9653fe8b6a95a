import Testing
import Parallel

@Suite("retry and RateLimiter", .timeLimit(.minutes(1)))
struct RetryRateLimiterTests {
    @Test("retry waits the backoff's delays on the clock between attempts and returns the first success")
    func retriesWithBackoff() async throws {
        let clock = TestClock()
        let attempts = AsyncTestCounter()
        let backoff = try Backoff(initial: .seconds(1), multiplier: 2, jitter: 0)
        let task = Task {
            try await retry(maxAttempts: 5, backoff: backoff, clock: clock) { () async throws -> String in
                if attempts.increment() < 3 { throw Boom() }
                return "ok"
            }
        }
        await clock.waitForSleepers(1)
        #expect(attempts.value == 1)
        clock.advance(by: .milliseconds(999))
        #expect(attempts.value == 1)
        clock.advance(by: .milliseconds(1))     // first delay: 1 s
        await clock.waitForSleepers(1)
        #expect(attempts.value == 2)
        clock.advance(by: .seconds(2))          // second delay: 2 s
        #expect(try await task.value == "ok")
        #expect(attempts.value == 3)
    }

    @Test("retry throws the last error once attempts run out, and never retries a refused error")
    func givesUp() async {
        let attempts = AsyncTestCounter()
        await #expect(throws: Boom(id: 2)) {
            try await retry(maxAttempts: 2, backoff: Backoff(initial: .zero, jitter: 0), clock: TestClock()) {
                throw Boom(id: attempts.increment())
            }
        }
        #expect(attempts.value == 2)

        let refused = AsyncTestCounter()
        await #expect(throws: Boom(id: 1)) {
            try await retry(maxAttempts: 5, clock: TestClock(), shouldRetry: { _ in false }) {
                throw Boom(id: refused.increment())
            }
        }
        #expect(refused.value == 1)
    }

    @Test("cancelling retry during its backoff wait throws CancellationError")
    func cancelDuringBackoff() async {
        let clock = TestClock()
        let task = Task {
            try await retry(maxAttempts: 3, backoff: Backoff(initial: .seconds(1), jitter: 0), clock: clock) { throw Boom() }
        }
        await clock.waitForSleepers(1)
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }

    @Test("the rate limiter lets a burst through, then one token per interval")
    func tokenBucket() async throws {
        let clock = TestClock()
        let limiter = try RateLimiter(permits: 2, per: .seconds(1), clock: clock)   // one token every 500 ms
        try await limiter.acquire()
        try await limiter.acquire()
        #expect(!limiter.tryAcquire())
        let passed = AsyncTestCounter()
        let waiter = Task { try await limiter.acquire(); passed.increment() }
        await clock.waitForSleepers(1)
        clock.advance(by: .milliseconds(499))
        #expect(passed.value == 0)
        clock.advance(by: .milliseconds(1))
        try await waiter.value
        #expect(passed.value == 1)
        clock.advance(by: .seconds(10))   // the bucket refills, but only up to the burst
        #expect(limiter.tryAcquire() && limiter.tryAcquire() && !limiter.tryAcquire())
    }

    @Test("a waiter cancelled by the rate limiter gives its reserved token back")
    func cancelledWaiterRefunds() async throws {
        let clock = TestClock()
        let limiter = try RateLimiter(permits: 1, per: .seconds(1), clock: clock)
        try await limiter.acquire()
        let waiter = Task { try await limiter.acquire() }
        await clock.waitForSleepers(1)
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        clock.advance(by: .seconds(1))
        #expect(limiter.tryAcquire())   // the refunded reservation left the earned token available
    }
}
