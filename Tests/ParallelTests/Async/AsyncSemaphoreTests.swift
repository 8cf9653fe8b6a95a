import Testing
@testable import Parallel

@Suite("AsyncSemaphore and AsyncLock", .timeLimit(.minutes(1)))
struct AsyncSemaphoreTests {
    @Test("the state machine hands released permits to waiters in arrival order")
    func fifoStateMachine() {
        var machine = AsyncSemaphore.StateMachine<String>(permits: 1)
        let first = machine.tryAcquire(), second = machine.tryAcquire()
        #expect(first && !second)
        var actions: [AsyncSemaphore.StateMachine<String>.EnqueueAction] = []
        for name in ["a", "b", "c"] {
            actions.append(machine.enqueue(machine.makeWaiterID(), name, isCancelled: false))
        }
        #expect(actions == [.suspend, .suspend, .suspend])
        var woken: [String?] = []
        for _ in 0..<4 { woken.append(machine.release()) }
        #expect(woken == ["a", "b", "c", nil])
        #expect(machine.permits == 1)
    }

    @Test("the state machine: a cancelled waiter leaves the line, and a cancelled newcomer never waits")
    func cancelledWaiterLeaves() {
        var machine = AsyncSemaphore.StateMachine<String>(permits: 0)
        let a = machine.makeWaiterID(), b = machine.makeWaiterID()
        _ = machine.enqueue(a, "a", isCancelled: false)
        _ = machine.enqueue(b, "b", isCancelled: false)
        let cancelledOnce = machine.cancel(a), cancelledTwice = machine.cancel(a)
        #expect(cancelledOnce == "a" && cancelledTwice == nil)
        let woken = machine.release()
        #expect(woken == "b")
        let late = machine.enqueue(machine.makeWaiterID(), "late", isCancelled: true)
        #expect(late == .cancel)
        let nobody = machine.release()
        #expect(nobody == nil && machine.permits == 1)
    }

    @Test("cancelling a waiting acquire throws CancellationError and takes no permit")
    func cancelWhileWaiting() async throws {
        let semaphore = try AsyncSemaphore(value: 0)
        // Whether the cancellation lands before or after the waiter gets in line, it must throw.
        let waiter = Task { try await semaphore.acquire() }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        semaphore.release()
        #expect(semaphore.tryAcquire())   // the line is empty: the permit was not handed to a ghost
    }

    @Test("when cancel and release cross, the permit is either taken by the waiter or left free, never lost")
    func cancelReleaseRace() async throws {
        for _ in 0..<500 {
            let semaphore = try AsyncSemaphore(value: 0)
            let waiter = Task { () -> Bool in
                do { try await semaphore.acquire(); return true } catch { return false }
            }
            async let cancel: Void = waiter.cancel()
            async let release: Void = semaphore.release()
            _ = await (cancel, release)
            let acquired = await waiter.value
            #expect(semaphore.availablePermits == (acquired ? 0 : 1))
            semaphore.release()
            #expect(semaphore.tryAcquire())   // no cancelled waiter left in line to swallow it
        }
    }

    @Test("100 tasks × 1,000 acquire/release never exceed the permit count")
    func stress() async throws {
        let semaphore = try AsyncSemaphore(value: 3)
        let inside = AsyncTestCounter()
        let maximum = LockedValue(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    for _ in 0..<1_000 {
                        try await semaphore.withPermit {
                            let now = inside.increment()
                            maximum.withLock { $0 = max($0, now) }
                            if now % 7 == 0 { await Task.yield() }
                            inside.decrement()
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(maximum.withLock { $0 } <= 3)
        #expect(maximum.withLock { $0 } >= 1)
        #expect(semaphore.availablePermits == 3)
    }

    @Test("AsyncLock excludes, and unlocking a free lock is a typed error")
    func lock() async throws {
        let lock = AsyncLock()
        let inside = AsyncTestCounter()
        let overlapped = AsyncTestFlag()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    for _ in 0..<100 {
                        try await lock.withLock {
                            if inside.increment() > 1 { overlapped.set() }
                            await Task.yield()
                            inside.decrement()
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(!overlapped.value)
        #expect(!lock.isLocked)
        #expect(throws: AsyncLockError.notLocked) { try lock.unlock() }
        #expect(lock.tryLock())
        #expect(!lock.tryLock())
        try lock.unlock()
    }
}
