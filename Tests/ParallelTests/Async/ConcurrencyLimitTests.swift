import Testing
import Parallel

@Suite("concurrentMap, concurrentForEach and withLimitedTaskGroup", .timeLimit(.minutes(1)))
struct ConcurrencyLimitTests {
    @Test("concurrentMap keeps the input order and never runs more than maxConcurrency at once")
    func mapOrderAndLimit() async throws {
        let running = AsyncTestCounter()
        let peak = LockedValue(0)
        let results = try await Array(0..<200).concurrentMap(maxConcurrency: 4) { value in
            let now = running.increment()
            peak.withLock { $0 = max($0, now) }
            await Task.yield()
            running.decrement()
            return value * 2
        }
        #expect(results == (0..<200).map { $0 * 2 })
        #expect(peak.withLock { $0 } <= 4)
    }

    @Test("concurrentMap's first error cancels the rest and is thrown")
    func mapError() async {
        let gate = AsyncEvent()
        await #expect(throws: Boom(id: 3)) {
            _ = try await Array(0..<10).concurrentMap(maxConcurrency: 10) { value -> Int in
                if value == 3 { throw Boom(id: 3) }
                try await gate.wait()   // cancelled, never set
                return value
            }
        }
    }

    @Test("concurrentForEach visits every element, within the limit")
    func forEach() async throws {
        let seen = LockedValue(Set<Int>())
        let running = AsyncTestCounter()
        let peak = LockedValue(0)
        try await Array(0..<100).concurrentForEach(maxConcurrency: 3) { value in
            let now = running.increment()
            peak.withLock { $0 = max($0, now) }
            await Task.yield()
            running.decrement()
            seen.withLock { _ = $0.insert(value) }
        }
        #expect(seen.withLock { $0 } == Set(0..<100))
        #expect(peak.withLock { $0 } <= 3)
    }

    @Test("addTask waits while the limited group is full, and its first child error is thrown")
    func limitedGroup() async throws {
        let running = AsyncTestCounter()
        let peak = LockedValue(0)
        try await withLimitedTaskGroup(maxConcurrency: 2) { group in
            for _ in 0..<50 {
                try await group.addTask {
                    let now = running.increment()
                    peak.withLock { $0 = max($0, now) }
                    await Task.yield()
                    running.decrement()
                }
            }
        }
        #expect(peak.withLock { $0 } <= 2 && running.value == 0)

        let started = AsyncTestCounter()
        await #expect(throws: Boom(id: 9)) {
            try await withLimitedTaskGroup(maxConcurrency: 1) { group in
                for index in 0..<100 {
                    try await group.addTask {
                        started.increment()
                        if index == 1 { throw Boom(id: 9) }
                    }
                }
            }
        }
        // With one slot, the failing child's error surfaces at the next addTask: the loop stops early.
        #expect(started.value <= 3)
    }
}
