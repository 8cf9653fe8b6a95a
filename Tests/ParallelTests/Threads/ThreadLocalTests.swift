import Parallel
import Testing

/// Sets `event` when destroyed, so a test can see a thread-local value being released.
private final class Tracker {
    let event: Event
    init(_ event: Event) { self.event = event }
    deinit { event.set() }
}

extension ThreadsTests {
    @Suite("ThreadLocal", .timeLimit(.minutes(1)))
    struct ThreadLocalTests {
        @Test("each thread sees its own value, starting from the default")
        func perThread() throws {
            let local = try ThreadLocal { 0 }
            local.value = 5
            let other = try spawnThread { () -> (Int, Int) in
                let before = local.value
                local.value = 7
                return (before, local.value)
            }
            let (before, after) = try other.join()
            #expect(before == 0)
            #expect(after == 7)
            #expect(local.value == 5)
        }

        @Test("the default factory runs once per thread, lazily, on that thread")
        func lazyDefault() throws {
            let made = LockedValue(0)
            let local = try ThreadLocal { made.withLock { $0 += 1; return $0 } }
            #expect(made.withLock { $0 } == 0)
            let workers = try (0..<4).map { _ in
                try spawnThread { () -> Bool in
                    let first = local.value
                    return local.value == first && local.value == first
                }
            }
            for worker in workers { #expect(try worker.join()) }
            #expect(made.withLock { $0 } == 4)
        }

        @Test("a thread's value is destroyed when the thread exits")
        func destroyedOnExit() throws {
            let local = try ThreadLocal<Tracker?> { nil }
            let destroyed = Event()
            let worker = try spawnThread { local.value = Tracker(destroyed) }
            try worker.join()   // the thread has exited, so its key destructors have run
            #expect(destroyed.isSet)
        }

        @Test("values need not be Sendable: each thread mutates its own instance")
        func nonSendableValues() throws {
            final class Counter { var count = 0 }
            let local = try ThreadLocal { Counter() }
            let workers = try (0..<4).map { _ in
                try spawnThread { () -> Int in
                    for _ in 0..<1_000 { local.value.count += 1 }
                    return local.value.count
                }
            }
            for worker in workers { #expect(try worker.join() == 1_000) }
            #expect(local.value.count == 0)
        }
    }
}
