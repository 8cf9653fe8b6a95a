// Every example of README.md's "Async toolkit" section, verbatim.
import Parallel

@MainActor
extension ReadmeExamples {
    static func gatherTuple() async throws {
        let (name, answer) = try await gather(
            { "Ada" },
            { 6 * 7 }
        )
        print(name, answer)
    }

    static func timeoutAndConcurrentMap() async throws {
        let page = try await withTimeout(.seconds(5)) { "<html>…</html>" }
        let lengths = try await ["a", "bb", "ccc"].concurrentMap(maxConcurrency: 2) { $0.count }
        print(page, lengths)
    }

    static func queueAndSemaphore() async throws {
        let queue = try AsyncQueue<Int>(maxSize: 10)
        let slots = try AsyncSemaphore(value: 2)
        let producer = Task { for i in 1...3 { try await queue.put(i) } }
        var sum = 0
        for _ in 1...3 {
            sum += try await slots.withPermit { try await queue.get() }
        }
        try await producer.value
        print(sum)
    }

    static func generator() async throws {
        let countdown = AsyncGenerator<Int, any Error> { yield in
            defer { print("generator closed") }
            for i in [3, 2, 1] { try await yield(i) }
        }
        for try await i in countdown where i == 2 { break }   // prints "generator closed" soon after
    }

    static func oneThreadLoop() async throws {
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
        print(total)
    }

    static func retryWithBackoff() async throws {
        let attempts = LockedValue(0)
        let reply = try await retry(maxAttempts: 3, backoff: Backoff(initial: .milliseconds(1))) {
            attempts.withLock { $0 += 1 }
            return "ok"
        }
        print(reply, attempts.withLock { $0 })
    }

}
