import Parallel
import ParallelTestTasks
import Testing

/// A call with an out-of-range argument and the message it must be refused with.
struct InvalidPoolCall: Sendable, CustomStringConvertible {
    let description: String
    let message: String
    /// Makes the call, on `pool` if it needs one.
    let run: @Sendable (_ pool: ProcessPool?) async throws -> Void

    init(_ description: String, _ message: String, _ run: @escaping @Sendable (ProcessPool?) async throws -> Void) {
        self.description = description
        self.message = message
        self.run = run
    }
}

@Suite("Process pools: invalid arguments", .timeLimit(.minutes(1)))
struct ProcessArgumentTests {
    static let executable = TestWorker.executable

    /// Pool configurations that are refused (they need no pool).
    static let configurations: [InvalidPoolCall] = [
        InvalidPoolCall("ProcessPool(workers: 0)", "workers must be at least 1 (got 0)") { _ in
            _ = try ProcessPool(workers: 0, executable: executable)
        },
        InvalidPoolCall("ProcessPool(workers: -1)", "workers must be at least 1 (got -1)") { _ in
            _ = try ProcessPool(workers: -1, executable: executable)
        },
        InvalidPoolCall("ProcessPool(maxTasksPerWorker: 0)", "maxTasksPerWorker must be at least 1 (got 0)") { _ in
            _ = try ProcessPool(workers: 1, executable: executable, maxTasksPerWorker: 0)
        },
        InvalidPoolCall("ProcessPool(maxTasksPerWorker: -1)", "maxTasksPerWorker must be at least 1 (got -1)") { _ in
            _ = try ProcessPool(workers: 1, executable: executable, maxTasksPerWorker: -1)
        },
        InvalidPoolCall("ProcessPool(timeout: -1 s)", "timeout must be more than zero (got -1.0 seconds)") { _ in
            _ = try ProcessPool(workers: 1, executable: executable, timeout: .seconds(-1))
        },
        InvalidPoolCall("ProcessPool(timeout: 0 s)", "timeout must be more than zero (got 0.0 seconds)") { _ in
            _ = try ProcessPool(workers: 1, executable: executable, timeout: .zero)
        },
        InvalidPoolCall("ProcessPool(startTimeout: 0 s)", "startTimeout must be more than zero (got 0.0 seconds)") { _ in
            _ = try ProcessPool(workers: 1, executable: executable, startTimeout: .zero)
        },
        InvalidPoolCall("ProcessPool(maxFrameSize: 100)", "maxFrameSize must be at least 1024 (got 100)") { _ in
            _ = try ProcessPool(workers: 1, executable: executable, maxFrameSize: 100)
        },
        InvalidPoolCall("withProcessPool(workers: 0)", "workers must be at least 1 (got 0)") { _ in
            try await withProcessPool(workers: 0, executable: executable) { _ in _ = Issue.record("the body ran") }
        },
        InvalidPoolCall("ParallelProcess.start(maxFrameSize: 0)", "maxFrameSize must be at least 1024 (got 0)") { _ in
            _ = try await ParallelProcess.start(Square.self, 1, executable: executable, maxFrameSize: 0)
        },
    ]

    /// Calls on a pool that are refused before anything is queued.
    static let calls: [InvalidPoolCall] = [
        InvalidPoolCall("pool.run(timeout: -1 s)", "timeout must be more than zero (got -1.0 seconds)") { pool in
            _ = try await pool?.run(Square.self, 2, timeout: .seconds(-1))
        },
        InvalidPoolCall("pool.submit(timeout: 0 s)", "timeout must be more than zero (got 0.0 seconds)") { pool in
            _ = try pool?.submit(Square.self, 2, timeout: .zero)
        },
        InvalidPoolCall("pool.map(chunkSize: 0)", "chunkSize must be at least 1 (got 0)") { pool in
            _ = try await pool?.map(Square.self, [1, 2], chunkSize: 0)
        },
        InvalidPoolCall("pool.map(timeout: -1 s)", "timeout must be more than zero (got -1.0 seconds)") { pool in
            _ = try await pool?.map(Square.self, [1, 2], timeout: .seconds(-1))
        },
        InvalidPoolCall("pool.mapResults(chunkSize: -1)", "chunkSize must be at least 1 (got -1)") { pool in
            _ = try await pool?.mapResults(Square.self, [1, 2], chunkSize: -1)
        },
        InvalidPoolCall("pool.imap(chunkSize: 0)", "chunkSize must be at least 1 (got 0)") { pool in
            _ = try pool?.imap(Square.self, [1, 2], chunkSize: 0)
        },
        InvalidPoolCall("pool.imap(window: 0)", "window must be at least 1 (got 0)") { pool in
            _ = try pool?.imap(Square.self, [1, 2], window: 0)
        },
        InvalidPoolCall("pool.imapUnordered(timeout: -1 s)", "timeout must be more than zero (got -1.0 seconds)") { pool in
            _ = try pool?.imapUnordered(Square.self, [1, 2], timeout: .seconds(-1))
        },
    ]

    @Test("a pool with an invalid count or time limit is refused at the call, naming the argument, the value and the range",
          arguments: configurations)
    func refusedConfiguration(_ call: InvalidPoolCall) async throws {
        let error = await #expect(throws: InvalidArgumentError.self) { try await call.run(nil) }
        #expect(error?.description == call.message)
    }

    @Test("a call with an invalid chunk size, window or timeout is refused at once and queues nothing",
          arguments: calls)
    func refusedCall(_ call: InvalidPoolCall) async throws {
        // A lazy pool starts a worker with the first request: none may start.
        let pool = try ProcessPool(workers: 1, executable: Self.executable, start: .lazy)
        let error = await #expect(throws: InvalidArgumentError.self) { try await call.run(pool) }
        #expect(error?.description == call.message)
        #expect(pool.workerProcessIDs.isEmpty, "a refused call started a worker")
        await pool.shutdown()
    }

    @Test("a negative default timeout no longer kills a healthy worker: the pool is refused, and a valid one runs")
    func negativeDefaultTimeout() async throws {
        #expect(throws: InvalidArgumentError.self) {
            _ = try ProcessPool(workers: 1, executable: Self.executable, timeout: .seconds(-1))
        }
        let output = try await withProcessPool(workers: 1, executable: Self.executable, timeout: .seconds(30)) { pool in
            try await pool.run(Square.self, 9)
        }
        #expect(output == 81)
    }
}
