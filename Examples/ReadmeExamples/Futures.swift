// Every example of README.md's "Futures and thread pools" section, verbatim. The blocking ones are
// in synchronous functions, as they must be (`noasync`).
import Parallel

/// Some async work for `withTaskExecutorPreference` to run on the pool.
func compute() async -> Int { 42 }

@MainActor
extension ReadmeExamples {
    static func futures() throws {
        let executor = try ThreadPoolExecutor(maxWorkers: 3)
        let future = try executor.submit { "Executed in thread Thread-1" }
        print(try future.result(timeout: .seconds(5)))   // blocks this thread; `try await future.value` in async code
        future.onComplete { outcome in print("done:", outcome) }
        executor.shutdown(wait: true)                    // queued work finishes; later submits throw .shutDown
    }

    static func futuresMapAndWait() throws {
        let executor = try ThreadPoolExecutor(maxWorkers: 4)
        defer { executor.shutdown() }

        let squares = try executor.map(1...5, timeout: .seconds(10)) { $0 * $0 }.map { try $0.get() }
        print(squares)                                   // [1, 4, 9, 16, 25]

        let futures = try (1...3).map { n in try executor.submit { n * 10 } }
        for completed in try asCompleted(futures, timeout: .seconds(10)) {
            print(try completed.get().result())          // 10, 20, 30 in completion order
        }
        let (done, notDone) = try wait(for: futures, timeout: .seconds(10), returnWhen: .firstException)
        print(done.count, notDone.count)                 // 3 0
    }

    static func futuresFromAsyncCode() async throws {
        let executor = try ThreadPoolExecutor(maxWorkers: 2, threadNamePrefix: "io")
        let sum = try await executor.run { (1...1_000).reduce(0, +) }        // runs on thread "io_0"
        let value = await withTaskExecutorPreference(executor) { await compute() }   // async code on the pool
        for try await future in try asCompleted((1...3).map { n in try executor.submit { n } },
                                            timeout: .seconds(10), clock: .continuous) {
            print(try await future.value)
        }
        await executor.shutdown()
        print(sum, value)
    }

}
