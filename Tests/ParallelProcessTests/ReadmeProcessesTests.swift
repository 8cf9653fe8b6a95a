// The examples of the README's "Processes" section, verbatim, so they compile and run. The test binary is not
// a worker, so the two helpers below send the examples' work to the test worker executable (which
// registers tasks named Square, SumOfSquares, Hang and SumShared with the same inputs and outputs).
import Parallel
import Testing

struct Square: ProcessTask {
    static func run(_ n: Int) async throws -> Int { n * n }
}

struct SumOfSquares: ProcessTask {
    static func run(_ n: Int) async throws -> Int {
        var total = 0
        for i in 0..<n { total += i * i }
        return total
    }
}

struct Hang: ProcessTask {
    static func run(_ seconds: Int) async throws -> Int {
        try await Task.sleep(for: .seconds(seconds))
        return seconds
    }
}

struct SumShared: ProcessTask {
    static func run(_ samples: SharedArray<Double>) async throws -> Double {
        samples.withUnsafeBufferPointer { $0.reduce(0, +) }
    }
}

enum App {
    static func main() async throws {
        await ProcessWorker.serveIfRequested(TaskRegistry([Square.self, SumOfSquares.self, Hang.self]))
        // … the program itself …
    }
}

/// `withProcessPool` on the test worker executable.
func withProcessPool<R>(workers: Int, _ body: (ProcessPool) async throws -> R) async throws -> R {
    try await Parallel.withProcessPool(workers: workers, executable: TestWorker.executable, body)
}

extension ParallelProcess {
    /// `ParallelProcess.start` on the test worker executable.
    static func start(_ task: T.Type, _ input: T.Input) async throws -> ParallelProcess {
        try await start(task, input, executable: TestWorker.executable)
    }
}

@Suite("README: processes", .timeLimit(.minutes(1)))
struct ReadmeProcessesTests {
    @Test("the map example prints the squares in order")
    func mapExample() async throws {
        let squares = try await withProcessPool(workers: 2) { pool in
            try await pool.map(Square.self, [1, 2, 3, 4, 5])
        }
        print(squares)   // [1, 4, 9, 16, 25]
        #expect(squares == [1, 4, 9, 16, 25])
    }

    @Test("the hybrid example prints the seed's sums")
    func hybridExample() async throws {
        let sums = try await withProcessPool(workers: 2) { pool in
            async let a = pool.run(SumOfSquares.self, 100_000)
            async let b = pool.run(SumOfSquares.self, 200_000)
            async let c = pool.run(SumOfSquares.self, 150_000)
            return try await [a, b, c]
        }
        print(sums)   // [333328333350000, 2666646666700000, 1124988750025000]
        #expect(sums == [333328333350000, 2666646666700000, 1124988750025000])
    }

    @Test("the shared-array example sums the caller's pages in a worker")
    func sharedArrayExample() async throws {
        let samples = try SharedArray<Double>(repeating: 0.5, count: 1 << 20)   // 8 MiB, shared
        let total = try await withProcessPool(workers: 2) { pool in
            try await pool.run(SumShared.self, samples)   // the worker maps the same pages: no copy
        }
        print(total)   // 524288.0
        #expect(total == 524_288)
    }

    @Test("the timeout example reports the timeout and goes on")
    func timeoutExample() async throws {
        let outcome = try await withProcessPool(workers: 2) { pool in
            do {
                return try await pool.run(Hang.self, 60, timeout: .milliseconds(50))
            } catch ProcessPoolError.timedOut(let task, let after) {
                print("\(task) took longer than \(after)")   // Hang took longer than 0.05 seconds
                return -1
            }
        }
        #expect(outcome == -1)
    }

    @Test("the handle, imap and mapResults example")
    func moreExample() async throws {
        let results = try await withProcessPool(workers: 2) { pool in
            let handle = try pool.submit(Square.self, 12)
            print(try await handle.value)   // 144
            var streamed = 0
            for try await square in try pool.imap(Square.self, 1...1_000, chunkSize: 100) { streamed += square }
            print(streamed)   // 333833500
            return try await pool.mapResults(Square.self, [1, 2, 3])
        }
        print(results.map { try? $0.get() })   // [Optional(1), Optional(4), Optional(9)]
        #expect(results.map { try? $0.get() } == [1, 4, 9])
    }

    @Test("the ParallelProcess example")
    func processExample() async throws {
        let process = try await ParallelProcess.start(SumOfSquares.self, 1_000)
        print(process.pid > 0)              // true
        print(try await process.value)      // 332833500
        print(await process.join())         // exited with status 0
        #expect(try await process.value == 332_833_500)
        #expect(await process.join() == .exited(status: 0))
    }
}
