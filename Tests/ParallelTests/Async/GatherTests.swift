import Testing
import Parallel

@Suite("gather", .timeLimit(.minutes(1)))
struct GatherTests {
    @Test("the parameter-pack form returns values of different types in argument order")
    func tupleInArgumentOrder() async throws {
        let gate = AsyncEvent()
        let (number, text, flag) = try await gather(
            { try await gate.wait(); return 1 },                  // finishes last
            { gate.set(); return "two" },
            { true }
        )
        #expect(number == 1 && text == "two" && flag)
    }

    @Test("the array form returns results in the collection's order, not completion order")
    func arrayInOrder() async throws {
        let events = (0..<5).map { _ in AsyncEvent() }
        // Operation i waits for operation i+1, so they finish in reverse order.
        let operations: [@Sendable () async throws -> Int?] = (0..<5).map { index in
            {
                if index < 4 { try await events[index + 1].wait() }
                events[index].set()
                return index == 2 ? nil : index
            }
        }
        let values = try await gather(operations)
        #expect(values == [0, 1, nil, 3, 4])
    }

    @Test("the first error cancels the others and is thrown")
    func firstErrorCancelsRest() async throws {
        let cancelled = AsyncTestFlag()
        await #expect(throws: Boom(id: 7)) {
            _ = try await gather(
                {
                    do { try await AsyncEvent().wait() } catch is CancellationError { cancelled.set() }
                    return 0
                },
                { () async throws -> String in throw Boom(id: 7) }
            )
        }
        #expect(cancelled.value)
    }

    @Test("the array form's first error cancels the others and is thrown")
    func arrayFirstErrorCancelsRest() async throws {
        let cancelledCount = AsyncTestCounter()
        let operations: [@Sendable () async throws -> Int] = (0..<10).map { index in
            {
                if index == 5 { throw Boom(id: 5) }
                do { try await AsyncEvent().wait() } catch { cancelledCount.increment(); throw error }
                return index
            }
        }
        await #expect(throws: Boom(id: 5)) { _ = try await gather(operations) }
        #expect(cancelledCount.value == 9)
    }

    @Test("the Result forms return every outcome, and a failure cancels nothing")
    func resultsKeepEveryOutcome() async throws {
        let gate = AsyncEvent()
        let (first, second) = await gatherResults(
            { () async throws -> Int in try await gate.wait(); return 1 },
            { () async throws -> String in gate.set(); throw Boom(id: 2) }
        )
        #expect(try first.get() == 1)
        #expect(throws: Boom(id: 2)) { try second.get() }

        let outcomes = await gatherResults((0..<4).map { index in
            { @Sendable () async throws -> Int in
                if index.isMultiple(of: 2) { throw Boom(id: index) }
                return index
            }
        })
        #expect(outcomes.map { try? $0.get() } == [nil, 1, nil, 3])
    }

    @Test("an empty collection gathers to an empty array")
    func emptyCollection() async throws {
        let none: [@Sendable () async throws -> Int] = []
        let values = try await gather(none)
        #expect(values.isEmpty)
    }

    @Test("cancelling the caller cancels every operation")
    func callerCancellation() async throws {
        let started = try AsyncSemaphore(value: 0)
        let task = Task {
            try await gather(
                { started.release(); try await AsyncEvent().wait() },
                { started.release(); try await AsyncEvent().wait() }
            )
        }
        try? await started.acquire()
        try? await started.acquire()
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }
}
