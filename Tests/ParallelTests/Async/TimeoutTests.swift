import Testing
import Parallel

@Suite("withTimeout and withDeadline", .timeLimit(.minutes(1)))
struct TimeoutTests {
    @Test("a body that finishes in time returns its value")
    func finishesInTime() async throws {
        let clock = TestClock()
        let value = try await withTimeout(.seconds(1), clock: clock) { 42 }
        #expect(value == 42)
    }

    @Test("when time is up the body is cancelled and TimeoutError is thrown")
    func timesOut() async throws {
        let clock = TestClock()
        let bodyCancelled = AsyncTestFlag()
        let task = Task {
            try await withTimeout(.seconds(5), clock: clock) {
                do { try await AsyncEvent().wait() } catch is CancellationError { bodyCancelled.set(); throw CancellationError() }
            }
        }
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(4))
        #expect(!bodyCancelled.value)
        clock.advance(by: .seconds(1))
        await #expect(throws: TimeoutError.self) { try await task.value }
        #expect(bodyCancelled.value)
    }

    @Test("a deadline on the clock bounds the body the same way")
    func deadline() async throws {
        let clock = TestClock()
        let deadline = clock.now.advanced(by: .seconds(3))
        let task = Task {
            try await withDeadline(deadline, clock: clock) { try await clock.sleep(for: .seconds(10)) }
        }
        await clock.waitForSleepers(2)   // the body's sleep and the deadline's
        clock.advance(by: .seconds(3))
        await #expect(throws: TimeoutError.self) { try await task.value }
        #expect(clock.sleeperCount == 0)
    }

    @Test("an error from the body is rethrown as is")
    func bodyError() async {
        await #expect(throws: Boom(id: 1)) {
            try await withTimeout(.seconds(1), clock: TestClock()) { throw Boom(id: 1) }
        }
    }

    @Test("cancelling the caller throws CancellationError, not TimeoutError, and stops the body")
    func callerCancelled() async {
        let clock = TestClock()
        let bodyStarted = AsyncEvent()
        let task = Task {
            try await withTimeout(.seconds(5), clock: clock) {
                bodyStarted.set()
                try await AsyncEvent().wait()
            }
        }
        try? await bodyStarted.wait()
        await clock.waitForSleepers(1)
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(clock.sleeperCount == 0)
    }

    @Test("the timeout error says what to do")
    func message() {
        #expect(TimeoutError(limit: "2 seconds").description.contains("within 2 seconds"))
    }
}
