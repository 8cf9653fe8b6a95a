import Testing
import Parallel

@Suite("Backoff", .timeLimit(.minutes(1)))
struct BackoffTests {
    @Test("delays grow exponentially up to the maximum")
    func growsToMaximum() throws {
        let backoff = try Backoff(initial: .seconds(1), multiplier: 2, maximum: .seconds(5), jitter: 0)
        #expect((1...5).map { backoff.delay(beforeRetry: $0) } ==
            [.seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5)])
        #expect(backoff.delay(beforeRetry: 10_000) == .seconds(5))
    }

    @Test("jitter stays within its fraction of the planned delay")
    func jitterBounds() throws {
        let backoff = try Backoff(initial: .seconds(1), multiplier: 1, jitter: 0.5)
        for _ in 0..<1_000 {
            let delay = backoff.delay(beforeRetry: 1)
            #expect(delay >= .milliseconds(500) && delay <= .seconds(1))
        }
    }

    @Test("the edges of the valid range are accepted: no delay, a constant delay, full jitter")
    func edges() throws {
        let backoff = try Backoff(initial: .zero, multiplier: 1, maximum: .zero, jitter: 1)
        #expect(backoff.delay(beforeRetry: 3) == .zero)
    }
}
