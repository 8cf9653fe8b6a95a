import Parallel
import Testing

@Suite("Async toolkit: invalid arguments", .timeLimit(.minutes(1)))
struct AsyncArgumentTests {
    static let calls: [InvalidAsyncCall] = [
        InvalidAsyncCall("AsyncSemaphore(value: -1)", "value must be at least 0 (got -1)") { _ = try AsyncSemaphore(value: -1) },
        InvalidAsyncCall("AsyncBarrier(parties: 0)", "parties must be at least 1 (got 0)") { _ = try AsyncBarrier(parties: 0) },
        InvalidAsyncCall("AsyncBarrier(parties: -1)", "parties must be at least 1 (got -1)") { _ = try AsyncBarrier(parties: -1) },
        InvalidAsyncCall("AsyncQueue(maxSize: -1)", "maxSize must be at least 0 (got -1)") { _ = try AsyncQueue<Int>(maxSize: -1) },
        InvalidAsyncCall("asyncCondition.notify(-1)", "count must be at least 0 (got -1)") { try AsyncCondition().notify(-1) },
        InvalidAsyncCall("RateLimiter(permits: 0)", "permits must be at least 1 (got 0)") {
            _ = try RateLimiter(permits: 0, per: .seconds(1), clock: ContinuousClock())
        },
        InvalidAsyncCall("RateLimiter(per: 0 s)", "interval must be more than zero (got 0.0 seconds)") {
            _ = try RateLimiter(permits: 1, per: .zero, clock: ContinuousClock())
        },
        InvalidAsyncCall("RateLimiter(burst: 0)", "burst must be at least 1 (got 0)") {
            _ = try RateLimiter(permits: 1, per: .seconds(1), burst: 0, clock: ContinuousClock())
        },
        InvalidAsyncCall("withLimitedTaskGroup(maxConcurrency: 0)", "maxConcurrency must be at least 1 (got 0)") {
            try await withLimitedTaskGroup(maxConcurrency: 0) { _ in _ = Issue.record("the body ran") }
        },
        InvalidAsyncCall("concurrentMap(maxConcurrency: -1)", "maxConcurrency must be at least 1 (got -1)") {
            _ = try await [1, 2].concurrentMap(maxConcurrency: -1) { $0 }
        },
        InvalidAsyncCall("concurrentForEach(maxConcurrency: 0)", "maxConcurrency must be at least 1 (got 0)") {
            try await [1, 2].concurrentForEach(maxConcurrency: 0) { _ in _ = Issue.record("the body ran") }
        },
        InvalidAsyncCall("retry(maxAttempts: 0)", "maxAttempts must be at least 1 (got 0)") {
            try await retry(maxAttempts: 0) { _ = Issue.record("the operation ran") }
        },
        InvalidAsyncCall("withTimeout(-1 s)", "duration must be zero or more (got -1.0 seconds)") {
            try await withTimeout(.seconds(-1)) { _ = Issue.record("the body ran") }
        },
        InvalidAsyncCall("Backoff(initial: -1 s)", "initial must be zero or more (got -1.0 seconds)") {
            _ = try Backoff(initial: .seconds(-1))
        },
        InvalidAsyncCall("Backoff(multiplier: 0.5)", "multiplier must be at least 1 (got 0.5)") {
            _ = try Backoff(multiplier: 0.5)
        },
        InvalidAsyncCall("Backoff(maximum: below initial)", "maximum must be at least initial (1.0 seconds) (got 0.5 seconds)") {
            _ = try Backoff(initial: .seconds(1), maximum: .milliseconds(500))
        },
        InvalidAsyncCall("Backoff(jitter: 2)", "jitter must be between 0 and 1 (got 2.0)") { _ = try Backoff(jitter: 2) },
        InvalidAsyncCall("await wait(for: futures, timeout: -1 s)", "timeout must be zero or more (got -1.0 seconds)") {
            _ = try await wait(for: [Promise<Int>().future], timeout: .seconds(-1))
        },
        InvalidAsyncCall("asCompleted(timeout: -1 s, clock:)", "timeout must be zero or more (got -1.0 seconds)") {
            _ = try asCompleted([Promise<Int>().future], timeout: .seconds(-1), clock: ContinuousClock())
        },
        InvalidAsyncCall("wait(tasks, timeout: -1 s)", "timeout must be zero or more (got -1.0 seconds)") {
            _ = try await wait([Task { 1 }], timeout: .seconds(-1))
        },
    ]

    @Test("an invalid count or a negative timeout is refused at the call, naming the argument, the value and the range",
          arguments: calls)
    func refused(_ call: InvalidAsyncCall) async {
        let error = await #expect(throws: InvalidArgumentError.self) { try await call.run() }
        #expect(error?.description == call.message)
    }

    @Test("a zero timeout is valid: withTimeout(.zero) cancels the body at once")
    func zeroTimeout() async {
        await #expect(throws: TimeoutError.self) {
            // A body that only a cancellation ends: however late the run, only the timeout can end it.
            try await withTimeout(.zero) { try await AsyncEvent().wait() }
        }
    }
}
