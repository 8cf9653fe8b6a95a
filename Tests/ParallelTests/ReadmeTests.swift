import Testing
import Parallel

/// The README's examples, verbatim, so they cannot rot. Keep each test in sync with its README block.
@Suite("README examples")
struct ReadmeTests {
    @Test("Locks and conditions")
    func locksAndConditions() {
        let counter = LockedValue(0)
        counter.withLock { $0 += 1 }

        let condition = Condition()
        condition.withLock { condition.notifyAll() }
        #expect(counter.withLock { $0 } == 1)
    }
}
