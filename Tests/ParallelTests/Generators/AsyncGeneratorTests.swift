import Testing
import Parallel

@Suite("AsyncGenerator", .timeLimit(.minutes(1)))
struct AsyncGeneratorTests {
    @Test("yields the body's elements in order, then ends")
    func yieldsInOrder() async throws {
        let numbers = AsyncGenerator<Int, any Error> { yield in
            for i in 0..<5 { try await yield(i) }
        }
        var received: [Int] = []
        for try await value in numbers { received.append(value) }
        #expect(received == [0, 1, 2, 3, 4])
    }

    @Test("back-pressure: the producer never runs more than one element ahead of the consumer")
    func backPressure() async throws {
        let produced = AsyncTestCounter()
        let generator = AsyncGenerator<Int, any Error> { yield in
            for i in 0..<100 {
                produced.increment()
                try await yield(i)
            }
        }
        var consumed = 0
        var iterator = generator.makeAsyncIterator()
        #expect(produced.value == 0)   // nothing runs before the first request
        while let value = try await iterator.next() {
            #expect(value == consumed)
            consumed += 1
            for _ in 0..<3 { await Task.yield() }   // give a runaway producer every chance
            #expect(produced.value == consumed)
        }
        #expect(consumed == 100)
    }

    @Test("stopping early cancels the producer and runs its defer (Python's aclose)")
    func earlyExitRunsCleanup() async throws {
        let cleanedUp = AsyncEvent()
        let producerCancelled = AsyncTestFlag()
        let generator = AsyncGenerator<Int, any Error> { yield in
            defer { cleanedUp.set() }
            var i = 0
            while true {
                do { try await yield(i) } catch { producerCancelled.set(); throw error }
                i += 1
            }
        }
        for try await value in generator where value == 2 { break }
        try await cleanedUp.wait()
        #expect(producerCancelled.value)
    }

    @Test("an error thrown by the body reaches the consumer after the elements before it")
    func errorsReachConsumer() async {
        let generator = AsyncGenerator<Int, any Error> { yield in
            try await yield(1)
            throw Boom(id: 4)
        }
        var received: [Int] = []
        await #expect(throws: Boom(id: 4)) {
            for try await value in generator { received.append(value) }
        }
        #expect(received == [1])
    }

    @Test("cancelling the consumer while it waits cancels the producer, which unwinds")
    func consumerCancellation() async throws {
        let waiting = AsyncEvent()
        let cleanedUp = AsyncEvent()
        let generator = AsyncGenerator<Int, any Error> { yield in
            defer { cleanedUp.set() }
            try await yield(0)
            waiting.set()
            try await AsyncEvent().wait()   // only cancellation ends this
            try await yield(1)
        }
        let consumer = Task {
            var received: [Int] = []
            for try await value in generator { received.append(value) }
            return received
        }
        try await waiting.wait()
        consumer.cancel()
        await #expect(throws: CancellationError.self) { try await consumer.value }
        try await cleanedUp.wait()
    }

    @Test("a non-throwing generator is consumed with for await, and cancellation just ends it")
    func nonThrowing() async throws {
        let naturals = AsyncGenerator<Int, Never> { yield in
            var n = 0
            while await yield(n) { n += 1 }
        }
        var received: [Int] = []
        for await n in naturals.prefix(4) { received.append(n) }
        #expect(received == [0, 1, 2, 3])

        let started = AsyncEvent()
        let stuck = AsyncGenerator<Int, Never> { yield in
            guard await yield(0) else { return }
            started.set()
            try? await AsyncEvent().wait()   // ends when the consumer is cancelled
            let delivered = await yield(1)   // cancelled: not delivered
            #expect(!delivered)
        }
        let consumer = Task {
            var count = 0
            for await _ in stuck { count += 1 }
            return count
        }
        try await started.wait()
        consumer.cancel()
        #expect(await consumer.value == 1)
    }

    @Test("the body runs on its consumer's preferred task executor, like a child task")
    func bodyFollowsExecutorPreference() async throws {
        let executor = try ThreadPoolExecutor(maxWorkers: 1, threadNamePrefix: "loop")
        let names = AsyncGenerator<String, any Error> { yield in
            for _ in 0..<3 { try await yield(OSThreads.currentName()) }
        }
        let seen = try await withTaskExecutorPreference(executor) {
            var seen: [String] = []
            for try await name in names { seen.append(name) }
            return seen
        }
        var elsewhere: [String] = []
        for try await name in names { elsewhere.append(name) }
        #expect(seen == ["loop_0", "loop_0", "loop_0"])
        #expect(elsewhere.count == 3 && !elsewhere.contains("loop_0"), "\(elsewhere)")
        await executor.shutdown()
    }

    @Test("each iteration runs the body afresh; dropping an unstarted iterator starts nothing")
    func freshRuns() async throws {
        let runs = AsyncTestCounter()
        let generator = AsyncGenerator<Int, any Error> { yield in
            runs.increment()
            try await yield(1)
        }
        for try await _ in generator {}
        for try await _ in generator {}
        _ = generator.makeAsyncIterator()
        #expect(runs.value == 2)
    }
}
