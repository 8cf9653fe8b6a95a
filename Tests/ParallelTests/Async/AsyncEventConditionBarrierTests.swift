import Testing
@testable import Parallel

@Suite("AsyncEvent, AsyncCondition and AsyncBarrier", .timeLimit(.minutes(1)))
struct AsyncEventConditionBarrierTests {
    @Test("set() wakes every waiter, later waits return at once, and clear() re-arms the event")
    func eventWakesAll() async throws {
        let event = AsyncEvent()
        let woken = AsyncTestCounter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<10 { group.addTask { try await event.wait(); woken.increment() } }
            event.set()
            try await group.waitForAll()
        }
        #expect(woken.value == 10 && event.isSet)
        try await event.wait()
        event.clear()
        #expect(!event.isSet)
    }

    @Test("a cancelled event waiter throws CancellationError; set() afterwards does not resume it twice")
    func eventCancellation() async {
        for _ in 0..<200 {
            let event = AsyncEvent()
            let waiter = Task { try await event.wait() }
            async let cancel: Void = waiter.cancel()
            async let set: Void = event.set()
            _ = await (cancel, set)
            // Either outcome is allowed when set and cancel cross; neither may crash or hang.
            _ = try? await waiter.value
        }
        let event = AsyncEvent()
        let waiter = Task { try await event.wait() }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        event.set()
    }

    @Test("wait(for:) returns once the predicate holds, with the lock held")
    func conditionPredicate() async throws {
        let condition = AsyncCondition()
        let items = LockedValue<[Int]>([])
        let consumer = Task {
            try await condition.lock.withLock {
                try await condition.wait(for: { !items.withLock { $0.isEmpty } })
                #expect(condition.lock.isLocked)
                return items.withLock { $0.removeFirst() }
            }
        }
        for value in 1...3 {
            try await condition.lock.withLock {
                items.withLock { $0.append(value) }
                condition.notifyAll()
            }
        }
        let taken = try await consumer.value
        #expect(taken == 1)
    }

    @Test("notify(n) wakes the n longest waiters, in order")
    func conditionStateMachine() {
        var machine = AsyncCondition.StateMachine<String>()
        for name in ["a", "b", "c"] { _ = machine.wait(machine.makeWaiterID(), name, isCancelled: false) }
        let two = machine.notify(2), rest = machine.notify(5), none = machine.notify(1)
        #expect(two == ["a", "b"] && rest == ["c"] && none.isEmpty)
        let refused = machine.wait(machine.makeWaiterID(), "late", isCancelled: true)
        #expect(!refused)
    }

    @Test("a cancelled condition waiter throws CancellationError holding the lock again")
    func conditionCancellation() async throws {
        let condition = AsyncCondition()
        let waiter = Task { () -> Bool in
            try await condition.lock.lock()
            do {
                try await condition.wait()
                try condition.lock.unlock()
                return false
            } catch is CancellationError {
                let held = condition.lock.isLocked
                try condition.lock.unlock()
                return held
            }
        }
        waiter.cancel()
        #expect(try await waiter.value)
        #expect(!condition.lock.isLocked)
        await #expect(throws: AsyncLockError.notLocked) { try await condition.wait() }
    }

    @Test("a barrier releases its parties together with distinct indices, round after round")
    func barrierRounds() async throws {
        let barrier = try AsyncBarrier(parties: 3)
        for _ in 0..<3 {
            let indices = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<3 { group.addTask { try await barrier.wait() } }
                return try await group.reduce(into: Set<Int>()) { $0.insert($1) }
            }
            #expect(indices == [0, 1, 2])
        }
    }

    @Test("abort() breaks the barrier for current and future waiters; a cancelled waiter leaves its round")
    func barrierAbortAndCancel() async throws {
        let barrier = try AsyncBarrier(parties: 2)
        let cancelled = Task { try await barrier.wait() }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        // The cancelled waiter left, so this round still needs two.
        let waiter = Task { try await barrier.wait() }
        let partner = Task { try await barrier.wait() }
        let indices = Set([try await waiter.value, try await partner.value])
        #expect(indices == [0, 1])

        let stuck = Task { try await barrier.wait() }
        barrier.abort()
        await #expect(throws: AsyncBarrierError.broken) { try await stuck.value }
        await #expect(throws: AsyncBarrierError.broken) { try await barrier.wait() }
        #expect(barrier.isBroken)
    }
}
