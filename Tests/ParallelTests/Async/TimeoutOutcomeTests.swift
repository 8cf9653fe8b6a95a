import Testing
import Parallel

/// Whose outcome `withTimeout` and `withDeadline` report once the deadline has passed: the rule of
/// asyncio's `Timeout.__aexit__` (the body is cancelled; only the `CancellationError` that this
/// cancellation produces becomes `TimeoutError`).
@Suite("withTimeout at the deadline: the body's own outcome wins", .timeLimit(.minutes(1)))
struct TimeoutOutcomeTests {
    @Test("an error the body throws while it is cancelled at the deadline is rethrown, not TimeoutError")
    func cleanupErrorWins() async {
        let clock = TestClock()
        let task = Task {
            try await withTimeout(.seconds(5), clock: clock) {
                do { try await AsyncEvent().wait() } catch { throw Boom(id: 2) }   // a failed cleanup
            }
        }
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(5))
        await #expect(throws: Boom(id: 2)) { try await task.value }
    }

    @Test("a body that swallows the cancellation at the deadline and returns gives its value")
    func swallowedCancellationReturnsValue() async throws {
        let clock = TestClock()
        let task = Task {
            try await withTimeout(.seconds(5), clock: clock) { () -> Int in
                do { try await AsyncEvent().wait(); return 1 } catch { return 7 }
            }
        }
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(5))
        #expect(try await task.value == 7)
    }

    @Test("withDeadline follows the same rule: the body's error wins, its CancellationError becomes TimeoutError")
    func deadlineSameRule() async {
        let clock = TestClock()
        let deadline = clock.now.advanced(by: .seconds(3))
        let failing = Task {
            try await withDeadline(deadline, clock: clock) {
                do { try await AsyncEvent().wait() } catch { throw Boom(id: 4) }
            }
        }
        let cancelled = Task {
            try await withDeadline(deadline, clock: clock) { try await AsyncEvent().wait() }
        }
        await clock.waitForSleepers(2)
        clock.advance(by: .seconds(3))
        await #expect(throws: Boom(id: 4)) { try await failing.value }
        await #expect(throws: TimeoutError.self) { try await cancelled.value }
    }

    @Test("cancelling the caller passes the body's outcome through: its cleanup error, never TimeoutError")
    func callerCancelledBodyErrorWins() async {
        let clock = TestClock()
        let bodyStarted = AsyncEvent()
        let task = Task {
            try await withTimeout(.seconds(5), clock: clock) {
                bodyStarted.set()
                do { try await AsyncEvent().wait() } catch { throw Boom(id: 3) }
            }
        }
        try? await bodyStarted.wait()
        await clock.waitForSleepers(1)
        task.cancel()
        await #expect(throws: Boom(id: 3)) { try await task.value }
    }

    @Test("a caller cancelled after the deadline, while the body winds down, gets CancellationError, not TimeoutError")
    func callerCancelledAfterDeadline() async throws {
        let clock = TestClock()
        let windDown = AsyncEvent()
        let cancelledByDeadline = AsyncEvent()
        let task = Task {
            try await withTimeout(.seconds(5), clock: clock) {
                // Ignores cancellation until the test opens `windDown` (an unstructured task is not
                // cancelled with the body), then stops because it was cancelled.
                await withTaskCancellationHandler {
                    await Task { try? await windDown.wait() }.value
                } onCancel: {
                    cancelledByDeadline.set()
                }
                try Task.checkCancellation()
            }
        }
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(5))
        try await cancelledByDeadline.wait()
        task.cancel()
        windDown.set()
        await #expect(throws: CancellationError.self) { try await task.value }
    }
}
