// Every example of README.md's "Processes" section, verbatim, in a main-actor program as a user
// writes it. scripts/check-examples checks that each README block is here or in a sibling file.
import Parallel

// The README's task types, shared by the process examples of this target.
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

struct GiveUp: ProcessTask {
    static func run(_ n: Int) async throws -> Int { fatalError("gave up on \(n)") }
}

struct SumShared: ProcessTask {
    static func run(_ samples: SharedArray<Double>) async throws -> Double {
        samples.withUnsafeBufferPointer { $0.reduce(0, +) }
    }
}

// The README's worker-mode entry point, as shown (ReadmeExamples.main does the same).
enum App {
    static func main() async throws {
        await ProcessWorker.serveIfRequested(TaskRegistry([Square.self, SumOfSquares.self, Hang.self, GiveUp.self]))
        // … the program itself …
    }
}

@MainActor
extension ReadmeExamples {
    static func processMap() async throws {
        let squares = try await withProcessPool(workers: 2) { pool in
            try await pool.map(Square.self, [1, 2, 3, 4, 5])
        }
        print(squares)   // [1, 4, 9, 16, 25]
    }

    /// Built, not run: the host is the README's.
    static func processHosts() async throws {
        let hosts = [try WorkerHost.ssh("build-1.internal", workers: 4, program: "/opt/app/bin/app")]
        let sums = try await withProcessPool(workers: 2, hosts: hosts) { pool in
            try await pool.map(SumOfSquares.self, [100_000, 200_000, 300_000])
        }
        print(sums)
    }

    static func processSharedArray() async throws {
        let samples = try SharedArray<Double>(repeating: 0.5, count: 1 << 20)   // 8 MiB, shared
        let total = try await withProcessPool(workers: 2) { pool in
            try await pool.run(SumShared.self, samples)   // the worker maps the same pages: no copy
        }
        print(total)   // 524288.0
    }

    static func processRun() async throws {
        let sums = try await withProcessPool(workers: 2) { pool in
            async let a = pool.run(SumOfSquares.self, 100_000)
            async let b = pool.run(SumOfSquares.self, 200_000)
            async let c = pool.run(SumOfSquares.self, 150_000)
            return try await [a, b, c]
        }
        print(sums)   // [333328333350000, 2666646666700000, 1124988750025000]
    }

    static func processTimeout() async throws {
        let outcome = try await withProcessPool(workers: 2) { pool in
            do {
                return try await pool.run(Hang.self, 60, timeout: .milliseconds(50))
            } catch ProcessPoolError.timedOut(let task, let after) {
                print("\(task) took longer than \(after)")   // Hang took longer than 0.05 seconds
                return -1
            }
        }
        print(outcome)
    }

    static func processCrashReport() async throws {
        let report = try await withProcessPool(workers: 1) { pool in
            do {
                return String(try await pool.run(GiveUp.self, 7))
            } catch ProcessPoolError.workerCrashed(let task, let exit, let report) {
                print("\(task) \(exit)")   // GiveUp was killed by signal 4 (SIGILL), on x86-64
                return report
            }
        }
        print(report.contains("Fatal error: gave up on 7"))   // true
    }

    static func processSubmitAndStream() async throws {
        let results = try await withProcessPool(workers: 2) { pool in
            let handle = try pool.submit(Square.self, 12)
            print(try await handle.value)   // 144
            var streamed = 0
            for try await square in try pool.imap(Square.self, 1...1_000, chunkSize: 100) { streamed += square }
            print(streamed)   // 333833500
            return try await pool.mapResults(Square.self, [1, 2, 3])
        }
        print(results.map { try? $0.get() })   // [Optional(1), Optional(4), Optional(9)]
    }

    static func processProgress() async throws {
        let squares = try await withProcessPool(workers: 2) { pool in
            try await pool.map(Square.self, Array(1...10_000), progress: { print($0) })   // 1250/10000 … 10000/10000
        }
        print(squares.count)   // 10000
    }

    static func parallelProcess() async throws {
        let process = try await ParallelProcess.start(SumOfSquares.self, 1_000)
        print(process.pid > 0)              // true
        print(try await process.value)      // 332833500
        print(await process.join())         // exited with status 0
    }

}
