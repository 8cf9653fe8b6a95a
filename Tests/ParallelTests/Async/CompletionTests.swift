import Testing
import Parallel

@Suite("asCompleted, wait(returnWhen:) and shield", .timeLimit(.minutes(1)))
struct CompletionTests {
    @Test("asCompleted yields values in completion order")
    func completionOrder() async throws {
        let events = (0..<3).map { _ in AsyncEvent() }
        // 2 finishes first, then 0, then 1.
        let operations: [@Sendable () async throws -> Int] = [
            { try await events[2].wait(); events[0].set(); return 0 },
            { try await events[0].wait(); return 1 },
            { events[2].set(); return 2 },
        ]
        var order: [Int] = []
        for try await value in asCompleted(operations) { order.append(value) }
        #expect(order == [2, 0, 1])
    }

    @Test("leaving asCompleted early cancels the operations still running")
    func earlyExitCancels() async throws {
        let cancelled = try AsyncSemaphore(value: 0)
        let operations: [@Sendable () async throws -> Int] = [{ 1 }] + (0..<3).map { _ in
            { @Sendable in
                do { try await AsyncEvent().wait() } catch { cancelled.release(); throw error }
                return 0
            }
        }
        for try await value in asCompleted(operations) {
            #expect(value == 1)
            break
        }
        for _ in 0..<3 { try await cancelled.acquire() }   // returns only if all three were cancelled
    }

    @Test("asCompleted ends with the first error")
    func asCompletedError() async {
        let operations: [@Sendable () async throws -> Int] = [{ throw Boom(id: 3) }]
        await #expect(throws: Boom(id: 3)) {
            for try await _ in asCompleted(operations) {}
        }
    }

    @Test("wait(returnWhen: .firstCompleted) returns as soon as one task is done, leaving the rest pending")
    func firstCompleted() async throws {
        let gate = AsyncEvent()
        let slow = Task { try await gate.wait(); return 1 }
        let fast = Task { () async throws -> Int in 2 }
        let (done, pending) = try await wait([slow, fast], clock: TestClock(), returnWhen: .firstCompleted)
        #expect(done == [fast] && pending == [slow])
        gate.set()
        #expect(try await slow.value == 1)
    }

    @Test("wait(returnWhen: .firstException) returns on the first failure")
    func firstException() async throws {
        let gate = AsyncEvent()
        let slow = Task { try await gate.wait(); return 1 }
        let failing = Task { () async throws -> Int in throw Boom() }
        let (done, pending) = try await wait([slow, failing], clock: TestClock(), returnWhen: .firstException)
        #expect(done == [failing] && pending == [slow])
        slow.cancel()
    }

    @Test("wait(returnWhen: .allCompleted) returns every task done, in the order given")
    func allCompleted() async throws {
        let tasks = (0..<5).map { index in Task { () async throws -> Int in index } }
        let (done, pending) = try await wait(tasks)
        #expect(done == tasks && pending.isEmpty)
    }

    @Test("wait with a timeout returns the unfinished tasks as pending once it passes")
    func waitTimeout() async throws {
        let clock = TestClock()
        let stuck = Task { try await AsyncEvent().wait() }
        let waiter = Task { try await wait([stuck], timeout: .seconds(1), clock: clock) }
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(1))
        let (done, pending) = try await waiter.value
        #expect(done.isEmpty && pending == [stuck])
        stuck.cancel()
    }

    @Test("shield runs its work to completion although the caller is cancelled, and the caller waits for it")
    func shieldCompletes() async throws {
        let gate = AsyncEvent()
        let entered = AsyncEvent()
        let sawCancellation = AsyncTestFlag()
        let caller = Task {
            try await shield {
                entered.set()
                try await gate.wait()
                if Task.isCancelled { sawCancellation.set() }
                return 42
            }
        }
        try await entered.wait()
        caller.cancel()
        gate.set()
        #expect(try await caller.value == 42)
        #expect(!sawCancellation.value)
    }
}
