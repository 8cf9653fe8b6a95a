import Testing
import Parallel

/// The examples of the README's async section, verbatim, so they cannot rot.
@Suite("README examples: async toolkit", .timeLimit(.minutes(1)))
struct ReadmeAsyncTests {
    @Test("gather")
    func gatherExample() async throws {
        let (name, answer) = try await gather(
            { "Ada" },
            { 6 * 7 }
        )
        #expect(name == "Ada" && answer == 42)
    }

    @Test("timeout and concurrentMap")
    func timeoutExample() async throws {
        let page = try await withTimeout(.seconds(5)) { "<html>…</html>" }
        let lengths = try await ["a", "bb", "ccc"].concurrentMap(maxConcurrency: 2) { $0.count }
        #expect(page.hasPrefix("<html>") && lengths == [1, 2, 3])
    }

    @Test("queue and semaphore")
    func queueExample() async throws {
        let queue = try AsyncQueue<Int>(maxSize: 10)
        let slots = try AsyncSemaphore(value: 2)
        let producer = Task { for i in 1...3 { try await queue.put(i) } }
        var sum = 0
        for _ in 1...3 {
            sum += try await slots.withPermit { try await queue.get() }
        }
        try await producer.value
        #expect(sum == 6)
    }

    @Test("one thread, as asyncio runs")
    func oneThreadExample() async throws {
        let loop = try ThreadPoolExecutor(maxWorkers: 1, threadNamePrefix: "loop")
        let total = try await withTaskExecutorPreference(loop) {
            let queue = try AsyncQueue<Int>(maxSize: 100)
            async let produced: Void = { for i in 1...1_000 { try await queue.put(i) } }()
            var total = 0
            for _ in 1...1_000 { total += try await queue.get() }
            try await produced
            return total
        }
        await loop.shutdown()
        #expect(total == 500_500)
    }

    @Test("generator")
    func generatorExample() async throws {
        let countdown = AsyncGenerator<Int, any Error> { yield in
            defer { print("generator closed") }
            for i in [3, 2, 1] { try await yield(i) }
        }
        for try await i in countdown where i == 2 { break }   // prints "generator closed" soon after
    }

    @Test("retry")
    func retryExample() async throws {
        let attempts = LockedValue(0)
        let reply = try await retry(maxAttempts: 3, backoff: Backoff(initial: .milliseconds(1))) {
            attempts.withLock { $0 += 1 }
            return "ok"
        }
        #expect(reply == "ok" && attempts.withLock { $0 } == 1)
    }

    @Test("the brief's generator spelling infers its element type")
    func inferredGenerator() async throws {
        let numbers = AsyncGenerator { yield in for i in 0..<5 { try await yield(i) } }
        var received: [Int] = []
        for try await i in numbers { received.append(i) }
        #expect(received == [0, 1, 2, 3, 4])
    }
}
