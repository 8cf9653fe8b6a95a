#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Parallel
import ParallelTestTasks
import Testing

@Suite("A pool's log", .timeLimit(.minutes(1)))
struct ProcessPoolLoggingTests {
    let executable = TestWorker.executable

    /// A logger whose events the test reads back.
    private func recording() -> (Logger, RecordingLogHandler.Store) {
        let store = RecordingLogHandler.Store()
        return (Logger(label: "test") { _ in RecordingLogHandler(store: store) }, store)
    }

    @Test("each worker's start is logged once, at debug level, with its pid")
    func startsAreLogged() async throws {
        let (logger, log) = recording()
        let pids = try await withProcessPool(workers: 2, executable: executable, logger: logger) { pool in
            _ = try await pool.map(Square.self, [1, 2, 3, 4], chunkSize: 1)
            return pool.workerProcessIDs
        }
        let starts = log.events("worker started")
        #expect(starts.count == 2)
        #expect(starts.allSatisfy { $0.level == .debug })
        #expect(Set(starts.compactMap { $0.metadata["worker.pid"].map { "\($0)" } }) == Set(pids.map { "\($0)" }))
        #expect(log.events.allSatisfy { $0.level < .warning }, "a healthy pool logs nothing louder than debug: \(log.events)")
    }

    @Test("a crash is one error naming the worker's pid, its exit, the task and the request; its replacement is logged at info")
    func crashIsLoggedOnce() async throws {
        let (logger, log) = recording()
        try await withProcessPool(workers: 1, executable: executable, logger: logger) { pool in
            let pid = try await pool.run(WorkerPID.self, 0)
            await #expect(throws: ProcessPoolError.self) { try await pool.run(CrashOnNegative.self, -1) }
            #expect(try await pool.run(Square.self, 3) == 9)
            let crashes = log.events.filter { $0.level >= .warning }
            #expect(crashes.count == 1)
            #expect(crashes.first?.level == .error)
            #expect(crashes.first?.message == "worker was killed by signal 9 (SIGKILL) while running a request; the pool replaces it")
            #expect(crashes.first?.metadata["worker.pid"] == "\(pid)")
            #expect(crashes.first?.metadata["task"] == "CrashOnNegative")
            #expect(crashes.first?.metadata["request.id"] != nil)
            #expect(log.events("replacement worker started").count == 1)
            #expect(log.events("replacement worker started").first?.level == .info)
        }
    }

    @Test("a timeout is one warning naming the task and the request; the killed worker's exit is only at debug level")
    func timeoutIsLoggedOnce() async throws {
        let (logger, log) = recording()
        try await withProcessPool(workers: 1, executable: executable, logger: logger) { pool in
            await #expect(throws: ProcessPoolError.timedOut(task: "Hang", after: .milliseconds(200))) {
                try await pool.run(Hang.self, 3_600, timeout: .milliseconds(200))
            }
            let nine = try await pool.run(Square.self, 3)
            #expect(nine == 9)
        }
        let warnings = log.events.filter { $0.level >= .warning }
        #expect(warnings.count == 1, "\(warnings)")
        #expect(warnings.first?.message == "\(ProcessPoolError.timedOut(task: "Hang", after: .milliseconds(200)))")
        #expect(warnings.first?.metadata["task"] == "Hang")
        #expect(log.events.contains { $0.message == "worker was killed by signal 9 (SIGKILL)" && $0.level == .debug })
    }

    @Test("recycling (maxTasksPerWorker) logs each retirement and the replacements")
    func recyclingIsLogged() async throws {
        let (logger, log) = recording()
        try await withProcessPool(workers: 1, executable: executable, maxTasksPerWorker: 1, logger: logger) { pool in
            for n in 1...3 {
                let square = try await pool.run(Square.self, n)
                #expect(square == n * n)
            }
        }
        #expect(log.events("worker retiring").count == 3)
        #expect(log.events("replacement worker started").count == 2)
        #expect(log.events.filter { $0.message == "worker exited with status 0" }.count == 3)
    }
}
