import Testing

@Suite("TestClock (the tests' manual clock)", .timeLimit(.minutes(1)))
struct TestClockTests {
    @Test("a sleeper wakes only when time is advanced to its deadline")
    func wakesAtDeadline() async throws {
        let clock = TestClock()
        let woke = AsyncTestFlag()
        let sleeper = Task {
            try await clock.sleep(for: .seconds(2))
            woke.set()
        }
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(1))
        #expect(!woke.value)
        #expect(clock.sleeperCount == 1)
        clock.advance(by: .seconds(1))
        try await sleeper.value
        #expect(woke.value)
    }

    @Test("a cancelled sleeper throws CancellationError and leaves")
    func cancelledSleeper() async {
        let clock = TestClock()
        let sleeper = Task { try await clock.sleep(for: .seconds(1)) }
        await clock.waitForSleepers(1)
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.sleeperCount == 0)
    }
}
