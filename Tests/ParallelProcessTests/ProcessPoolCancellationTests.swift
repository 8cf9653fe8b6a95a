#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Parallel
import ParallelTestTasks
import Testing

/// Cancelling a large call: it settles at once, and costs at most one kill and one replacement per
/// worker, however many inputs it had. Worker starts are counted by the processes themselves (an
/// initializer appends each worker's pid to a file), not by the pool.
@Suite("ProcessPool cancellation of large calls", .timeLimit(.minutes(2)))
struct ProcessPoolCancellationTests {
    let executable = TestWorker.executable

    /// A fresh file for `LogStart`, and the pids it holds.
    struct StartLog {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("parallel-starts-\(getpid())-\(UInt64.random(in: 0...UInt64.max))").path

        var pids: [Int32] {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { Int32($0) }
        }

        func remove() { unlink(path) }
    }

    @Test("cancelling a 10,000-input map returns promptly, starts no worker per input, and lists no dead pid")
    func cancellingALargeMap() async throws {
        let log = StartLog()
        defer { log.remove() }
        let pool = try ProcessPool(
            workers: 2, executable: executable, initializer: try WorkerInitializer(LogStart.self, log.path)
        )
        let map = Task { try await pool.map(Nap.self, Array(repeating: 20, count: 10_000), chunkSize: 1) }
        // Both workers are up and holding requests (bounded wait: another process's start sends no event).
        #expect(await eventually(within: .seconds(20)) { log.pids.count >= 2 })
        let clock = ContinuousClock()
        let started = clock.now
        map.cancel()
        let outcome = await map.result
        let elapsed = clock.now - started
        #expect(throws: CancellationError.self) { try outcome.get() }
        #expect(elapsed < .seconds(10), "cancelling took \(elapsed)")  // 61 s before; margin for a loaded run
        // Workers being killed drop out of the list at once; those listed are alive.
        let listed = pool.workerProcessIDs
        #expect(listed.count <= 2)
        #expect(listed.allSatisfy(isRunning), "listed \(listed), not all running")
        // Later work still runs.
        #expect(try await pool.run(Square.self, 3) == 9)
        await pool.shutdown()
        let starts = log.pids
        #expect(starts.count <= 2 + 2, "\(starts.count) workers started for one cancelled map on 2 workers")
        #expect(starts.allSatisfy { !isRunning($0) })
    }

    @Test("a fail-fast map whose worker is SIGKILLed mid-map cancels the rest without a process per input")
    func failFastAfterACrash() async throws {
        let log = StartLog()
        defer { log.remove() }
        try await withProcessPool(
            workers: 2, executable: executable, initializer: try WorkerInitializer(LogStart.self, log.path)
        ) { pool in
            var inputs = Array(repeating: 1, count: 10_000)
            inputs[50] = -1
            let clock = ContinuousClock()
            let started = clock.now
            let error = await #expect(throws: ProcessPoolError.self) {
                try await pool.map(CrashOnNegative.self, inputs, chunkSize: 1)
            }
            let elapsed = clock.now - started
            guard case .workerCrashed(task: "CrashOnNegative", exit: .signaled(signal: SIGKILL), report: _) = error else {
                Issue.record("expected the crash, got \(String(describing: error))")
                return
            }
            #expect(elapsed < .seconds(20), "the fail-fast map took \(elapsed)")  // 52 s before
            #expect(pool.workerProcessIDs.allSatisfy(isRunning))
        }
        // Two workers, one replacement for the crash, at most one per worker for the cancellation.
        let starts = log.pids
        #expect(starts.count <= 2 + 1 + 2, "\(starts.count) workers started")
        #expect(starts.allSatisfy { !isRunning($0) })
    }
}
