#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Parallel
import ParallelTestTasks
import Testing

/// Its input cannot be encoded: the parent fails before sending anything.
struct DoubleEcho: ProcessTask {
    static func run(_ x: Unencodable) async throws -> Int { 0 }
}

@Suite("ProcessPool failures", .timeLimit(.minutes(1)))
struct ProcessPoolFailureTests {
    let executable = TestWorker.executable

    @Test("a task's error comes back with its type name and message, and the pool goes on")
    func taskErrorComesBack() async throws {
        try await withProcessPool(workers: 1, executable: executable) { pool in
            await #expect(throws: ProcessPoolError.taskFailed(
                task: "FailOnNegative", type: "ParallelTestTasks.TestFailure", message: "failed on purpose: -3 is negative"
            )) {
                try await pool.run(FailOnNegative.self, -3)
            }
            let output = try await pool.run(FailOnNegative.self, 3)
            #expect(output == 3)
        }
    }

    @Test("a name the worker does not know fails with unknownTask")
    func unknownTask() async throws {
        try await withProcessPool(workers: 1, executable: executable) { pool in
            await #expect(throws: ProcessPoolError.unknownTask("Unregistered")) {
                try await pool.run(Unregistered.self, 1)
            }
        }
    }

    @Test("an input that cannot be encoded fails in the parent with encodingFailed")
    func inputEncodingFails() async throws {
        try await withProcessPool(workers: 1, executable: executable, start: .lazy) { pool in
            let error = await #expect(throws: ProcessPoolError.self) { try await pool.run(DoubleEcho.self, Unencodable()) }
            guard case .encodingFailed(task: "DoubleEcho", _) = error else {
                Issue.record("expected encodingFailed, got \(String(describing: error))")
                return
            }
        }
    }

    @Test("an output that cannot be encoded fails in the worker with encodingFailed")
    func outputEncodingFails() async throws {
        try await withProcessPool(workers: 1, executable: executable) { pool in
            let error = await #expect(throws: ProcessPoolError.self) { try await pool.run(NotANumber.self, 1) }
            guard case .encodingFailed(task: "NotANumber", _) = error else {
                Issue.record("expected encodingFailed, got \(String(describing: error))")
                return
            }
            let output = try await pool.run(Square.self, 4)
            #expect(output == 16)
        }
    }

    @Test("an input the worker cannot decode fails with decodingFailed")
    func inputDecodingFails() async throws {
        try await withProcessPool(workers: 1, executable: executable) { pool in
            let error = await #expect(throws: ProcessPoolError.self) { try await pool.run(MismatchedInput.self, "seven") }
            guard case .decodingFailed(task: "Mismatch", _) = error else {
                Issue.record("expected decodingFailed, got \(String(describing: error))")
                return
            }
        }
    }

    @Test("messages over the size cap fail with frameTooLarge, in either direction")
    func frameTooLarge() async throws {
        let pool = try ProcessPool(workers: 1, executable: executable, maxFrameSize: 1024)
        let replyError = await #expect(throws: ProcessPoolError.self) { try await pool.run(Blob.self, 4000) }
        guard case .frameTooLarge(task: "Blob", let replySize, limit: 1024) = replyError, replySize > 4000 else {
            Issue.record("expected frameTooLarge, got \(String(describing: replyError))")
            return
        }
        let error = await #expect(throws: ProcessPoolError.self) {
            try await pool.map(Square.self, Array(0..<1000), chunkSize: 1000)
        }
        guard case .frameTooLarge(task: "Square", let size, limit: 1024) = error, size > 1024 else {
            Issue.record("expected frameTooLarge, got \(String(describing: error))")
            return
        }
        // It says what to do: raise the cap, chunk smaller, or share a big array instead of sending it.
        let advice = String(describing: error)
        #expect(advice.contains("raise maxFrameSize") && advice.contains("chunkSize:") && advice.contains("SharedArray"), "\(advice)")
        // Big sizes read in MiB too; small ones only in bytes.
        #expect(ProcessPoolError.frameTooLarge(task: "T", size: 137_363_607, limit: 64 << 20).description
            .contains("is 137363607 bytes (131.0 MiB), over the 67108864-byte (64.0 MiB) limit"))
        #expect(!advice.contains("MiB"), "\(advice)")
        let output = try await pool.run(Square.self, 5)
        #expect(output == 25)
        await pool.shutdown()
    }

    @Test("a worker killed by a signal fails its task with workerCrashed naming the signal, and is replaced")
    func crashIsReported() async throws {
        try await withProcessPool(workers: 1, executable: executable) { pool in
            await #expect(throws: ProcessPoolError.workerCrashed(task: "CrashOnNegative", exit: .signaled(signal: SIGKILL))) {
                try await pool.run(CrashOnNegative.self, -1)
            }
            await #expect(throws: ProcessPoolError.workerCrashed(task: "Exit", exit: .exited(status: 3))) {
                try await pool.run(Exit.self, 3)
            }
            let output = try await pool.run(Square.self, 9)
            #expect(output == 81)
        }
    }

    @Test("a worker SIGKILLed from outside fails the task it was running")
    func externalKill() async throws {
        try await withProcessPool(workers: 1, executable: executable) { pool in
            let pid = try await pool.run(WorkerPID.self, 0)
            let hung = try pool.submit(Hang.self, 3_600)
            #expect(kill(pid, SIGKILL) == 0)
            await #expect(throws: ProcessPoolError.workerCrashed(task: "Hang", exit: .signaled(signal: SIGKILL))) {
                try await hung.value
            }
            let output = try await pool.run(WorkerPID.self, 0)
            #expect(output != pid)
        }
    }

    @Test("a task past its timeout is killed, fails with timedOut, and the pool goes on")
    func timeoutKills() async throws {
        try await withProcessPool(workers: 1, executable: executable) { pool in
            let pid = try await pool.run(WorkerPID.self, 0)
            await #expect(throws: ProcessPoolError.timedOut(task: "Hang", after: .milliseconds(200))) {
                try await pool.run(Hang.self, 3_600, timeout: .milliseconds(200))
            }
            #expect(await eventually { !isRunning(pid) && !isOurZombie(pid) })
            let output = try await pool.run(Square.self, 3)
            #expect(output == 9)
        }
    }

    @Test("garbage on the channel fails that worker's task clearly and the worker is replaced")
    func garbageOnChannel() async throws {
        try await withProcessPool(workers: 1, executable: executable) { pool in
            let error = await #expect(throws: ProcessPoolError.self) { try await pool.run(WriteGarbage.self, 1) }
            guard case .channelCorrupted(task: "WriteGarbage", let detail) = error else {
                Issue.record("expected channelCorrupted, got \(String(describing: error))")
                return
            }
            #expect(detail.contains("malformed"))
            let output = try await pool.run(Square.self, 2)
            #expect(output == 4)
        }
    }

    @Test("text on the channel whose first bytes read as a huge length is corruption, not a frame too large")
    func textOnChannel() async throws {
        try await withProcessPool(workers: 1, executable: executable) { pool in
            let error = await #expect(throws: ProcessPoolError.self) { try await pool.run(WriteText.self, 1) }
            guard case .channelCorrupted(task: "WriteText", let detail) = error else {
                Issue.record("expected channelCorrupted, got \(String(describing: error))")
                return
            }
            #expect(detail.contains("bad magic byte"))
            let output = try await pool.run(Square.self, 2)
            #expect(output == 4)
        }
    }

    @Test("a truncated frame fails that worker's task clearly and the worker is replaced")
    func truncatedFrame() async throws {
        try await withProcessPool(workers: 1, executable: executable) { pool in
            let error = await #expect(throws: ProcessPoolError.self) { try await pool.run(WriteTruncatedFrame.self, 1) }
            guard case .channelCorrupted(task: "WriteTruncatedFrame", let detail) = error else {
                Issue.record("expected channelCorrupted, got \(String(describing: error))")
                return
            }
            #expect(detail.contains("truncated"))
            let output = try await pool.run(Square.self, 2)
            #expect(output == 4)
        }
    }

    @Test("cancelling the caller kills the worker running its task, and a fresh worker takes over")
    func cancellationKillsRemoteWork() async throws {
        let marker = try Marker()
        try await withProcessPool(workers: 1, executable: executable) { pool in
            let caller = Task { try await pool.run(BlockWhenNegative.self, .init(n: -1, marker: marker.path)) }
            // The worker writes its pid once it is running the task: cancel it there.
            guard let pid = await marker.blockingWorker() else {
                caller.cancel()
                Issue.record("no worker started the task")
                return
            }
            #expect(isRunning(pid))
            caller.cancel()
            await #expect(throws: CancellationError.self) { try await caller.value }
            #expect(await eventually { !isRunning(pid) }, "the worker running the cancelled task is still alive")
            let fresh = try await pool.run(WorkerPID.self, 0)
            #expect(fresh != pid)
        }
    }

    @Test("a cancelled handle throws CancellationError and stops its work")
    func handleCancel() async throws {
        try await withProcessPool(workers: 1, executable: executable) { pool in
            let handle = try pool.submit(Hang.self, 3_600)
            handle.cancel()
            await #expect(throws: CancellationError.self) { try await handle.value }
            #expect(handle.isDone)
            let output = try await pool.run(Square.self, 6)
            #expect(output == 36)
        }
    }

    @Test("shutdownNow fails queued and running work with shutDown; later work is refused")
    func shutdownNowFailsWork() async throws {
        let pool = try ProcessPool(workers: 1, executable: executable)
        let running = try pool.submit(Hang.self, 3_600)
        let queued = try (0..<5).map { try pool.submit(Square.self, $0) }
        await pool.shutdownNow()
        await #expect(throws: ProcessPoolError.shutDown(task: "Hang")) { try await running.value }
        for handle in queued {
            await #expect(throws: ProcessPoolError.shutDown(task: "Square")) { try await handle.value }
        }
        await #expect(throws: ProcessPoolError.shutDown(task: "Square")) { try await pool.run(Square.self, 1) }
    }

    @Test("shutdown finishes the work already submitted")
    func shutdownFinishesWork() async throws {
        let pool = try ProcessPool(workers: 2, executable: executable)
        let handles = try (0..<20).map { try pool.submit(Square.self, $0) }
        await pool.shutdown()
        for (n, handle) in handles.enumerated() { #expect(try await handle.value == n * n) }
    }

    @Test("the initializer runs once in each worker before its tasks")
    func initializerRuns() async throws {
        let setup = try WorkerInitializer(SetCounter.self, 100)
        try await withProcessPool(workers: 1, executable: executable, initializer: setup) { pool in
            let first = try await pool.run(Counter.self, 0)
            let second = try await pool.run(Counter.self, 0)
            #expect([first, second] == [101, 102])
        }
    }

    @Test("a failing initializer fails the task with initializerFailed")
    func initializerFails() async throws {
        let setup = try WorkerInitializer(SetCounter.self, -1)
        try await withProcessPool(workers: 1, executable: executable, initializer: setup) { pool in
            let error = await #expect(throws: ProcessPoolError.self) { try await pool.run(Counter.self, 0) }
            guard case .initializerFailed(task: "Counter", type: "ParallelTestTasks.TestFailure", _) = error else {
                Issue.record("expected initializerFailed, got \(String(describing: error))")
                return
            }
        }
    }

    @Test("maxTasksPerWorker replaces a worker after that many requests")
    func recycling() async throws {
        try await withProcessPool(workers: 1, executable: executable, maxTasksPerWorker: 2) { pool in
            var pids: [Int32] = []
            for _ in 0..<6 { pids.append(try await pool.run(WorkerPID.self, 0)) }
            #expect(Set(pids).count == 3)
            #expect(pids[0] == pids[1] && pids[2] == pids[3] && pids[4] == pids[5])
        }
    }

    @Test("a program that never serves worker mode fails its work with spawnFailed naming serveIfRequested, within the start timeout, and is killed", arguments: [
        ProcessPool.StartMethod.spawn, .forkServer,
    ])
    func neverServes(_ method: ProcessPool.StartMethod) async throws {
        // A tag of its own per case: the cases run at once, and each counts only its own processes.
        let tag = "never-serves-\(method)"
        let silent = WorkerExecutable.path(TestWorker.path, arguments: ["never-serves", tag])
        let clock = ContinuousClock()
        let started = clock.now
        let pool = try ProcessPool(workers: 2, executable: silent, startTimeout: .seconds(2), startMethod: method)
        let error = await #expect(throws: ProcessPoolError.self) { try await pool.run(Square.self, 3) }
        let elapsed = clock.now - started
        // The start timeout bounds the whole start, a fork server's included: a fixed 10 s wait for
        // the server's greeting came first before (10.06 s alone), so anything under 10 s shows it
        // gone. The margin over the 2 s timeout is for the loaded start of a whole-suite run (5.6 s,
        // then 9.26 s with both cases, seen against a bound of 9 s); under ThreadSanitizer that
        // start saturates both cores for some 20 s (14.8 s seen with .spawn too), so the bound is
        // checked without it.
        if getenv("PARALLEL_SANITIZER") == nil {
            #expect(elapsed < .seconds(10), "failed after \(elapsed) with \(method)")
        }
        guard case .spawnFailed(_, let reason)? = error else {
            Issue.record("expected spawnFailed, got \(String(describing: error))")
            await pool.shutdownNow()
            return
        }
        // The start clock runs only once the process exists: it was started, and stayed silent.
        #expect(reason.contains("did not start serving within 2.0 seconds"), "\(reason)")
        #expect(reason.contains("ProcessWorker.serveIfRequested"), "\(reason)")
        // It ignores the end of its channel, so shutdown returns (every worker reaped) only if the
        // pool killed it.
        await pool.shutdown()
        #expect(ourChildren(runningWith: tag).isEmpty)
    }

    @Test("a program that exits without serving worker mode fails at once with spawnFailed", arguments: [
        ProcessPool.StartMethod.spawn, .forkServer,
    ])
    func exitsWithoutServing(_ method: ProcessPool.StartMethod) async throws {
        let forgetful = WorkerExecutable.path(TestWorker.path, arguments: ["exits-without-serving"])
        try await withProcessPool(workers: 2, executable: forgetful, startMethod: method) { pool in
            let handles = try (1...4).map { try pool.submit(Square.self, $0) }
            for handle in handles {
                let error = await #expect(throws: ProcessPoolError.self) { try await handle.value }
                guard case .spawnFailed(_, let reason) = error else {
                    Issue.record("expected spawnFailed, got \(String(describing: error))")
                    continue
                }
                #expect(reason.contains("exited with status 0 before serving worker mode"), "\(reason)")
            }
        }
    }

    @Test("the start timeout ends when the worker serves: a slow initializer is not cut short")
    func slowInitializer() async throws {
        let setup = try WorkerInitializer(Nap.self, 5_000)
        try await withProcessPool(workers: 1, executable: executable, initializer: setup, startTimeout: .seconds(4)) { pool in
            let square = try await pool.run(Square.self, 3)
            #expect(square == 9)
        }
    }

    @Test("a worker executable that does not exist fails with spawnFailed")
    func missingExecutable() async throws {
        try await withProcessPool(workers: 1, executable: .path("/nonexistent/worker"), start: .lazy) { pool in
            let error = await #expect(throws: ProcessPoolError.self) { try await pool.run(Square.self, 1) }
            guard case .spawnFailed(executable: "/nonexistent/worker", _) = error else {
                Issue.record("expected spawnFailed, got \(String(describing: error))")
                return
            }
        }
    }
}
