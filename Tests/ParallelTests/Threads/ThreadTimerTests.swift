import Parallel
import Testing

extension ThreadsTests {
    @Suite("ThreadTimer", .timeLimit(.minutes(1)))
    struct ThreadTimerTests {
        @Test("the closure runs exactly once, and cancel after firing returns false")
        func fires() throws {
            let fired = Event()
            let runs = LockedValue(0)
            let timer = try ThreadTimer(after: .milliseconds(10), name: "tick") {
                runs.withLock { $0 += 1 }
                fired.set()
            }
            #expect(try fired.wait(timeout: .seconds(10)))
            #expect(timer.join())
            #expect(runs.withLock { $0 } == 1)
            #expect(timer.cancel() == false)
        }

        @Test("the delay really passes before the closure runs")
        func delayIsRespected() throws {
            let firedAt = LockedValue<ContinuousClock.Instant?>(nil)
            let clock = ContinuousClock()
            let start = clock.now
            let timer = try ThreadTimer(after: .milliseconds(50)) { firedAt.withLock { $0 = clock.now } }
            #expect(timer.join())
            let fired = try #require(firedAt.withLock { $0 })
            #expect(fired - start >= .milliseconds(50))
        }

        @Test("a timer cancelled before it fires never runs its closure")
        func cancelBeforeFire() throws {
            let cancelledRan = LockedValue(false)
            let later = Event()
            // Generous delays, so a loaded machine cannot make the timer fire before `cancel()` runs.
            let cancelled = try ThreadTimer(after: .milliseconds(300)) { cancelledRan.withLock { $0 = true } }
            #expect(cancelled.cancel())
            // A second timer, due after the first would have fired, tells us when to look.
            let witness = try ThreadTimer(after: .milliseconds(400)) { later.set() }
            #expect(try later.wait(timeout: .seconds(10)))
            #expect(witness.join())
            #expect(cancelled.join() == false)
            #expect(cancelledRan.withLock { $0 } == false)
            #expect(cancelled.cancel() == false)   // already cancelled
        }

        @Test("cancel ends the timer's thread at once instead of waiting out the delay")
        func cancelEndsThreadPromptly() throws {
            let timer = try ThreadTimer(after: .seconds(60)) {}
            timer.cancel()
            let (fired, elapsed) = timed { timer.join() }
            #expect(fired == false)
            #expect(elapsed < .seconds(30))
        }

        @Test("await value reports whether the timer fired")
        func asyncValue() async throws {
            let timer = try ThreadTimer(after: .zero) {}
            #expect(await timer.value)
        }
    }
}
