#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Parallel
import ParallelTestTasks
import Testing

@Suite("ParallelProcess", .timeLimit(.minutes(1)))
struct ParallelProcessTests {
    let executable = TestWorker.executable

    @Test("a child process runs the task and is reaped after join, with its exit status")
    func runsAndJoins() async throws {
        let process = try await ParallelProcess.start(WorkerPID.self, 0, executable: executable)
        #expect(try await process.value == process.pid)
        #expect(await process.join() == .exited(status: 0))
        #expect(process.exitStatus == .exited(status: 0))
        #expect(!isRunning(process.pid) && !isOurZombie(process.pid))
    }

    @Test("kill() stops the child; its value throws workerCrashed naming SIGKILL")
    func killStops() async throws {
        let process = try await ParallelProcess.start(Hang.self, 3_600, executable: executable)
        process.kill()
        #expect(await process.join() == .signaled(signal: SIGKILL))
        await #expect(throws: ProcessPoolError.workerCrashed(task: "Hang", exit: .signaled(signal: SIGKILL))) {
            try await process.value
        }
    }

    @Test("terminate() sends SIGTERM")
    func terminateStops() async throws {
        let process = try await ParallelProcess.start(Hang.self, 3_600, executable: executable)
        process.terminate()
        #expect(await process.join() == .signaled(signal: SIGTERM))
    }

    @Test("a task's error comes back from the child")
    func errorComesBack() async throws {
        let process = try await ParallelProcess.start(FailOnNegative.self, -5, executable: executable)
        await #expect(throws: ProcessPoolError.taskFailed(
            task: "FailOnNegative", type: "ParallelTestTasks.TestFailure", message: "failed on purpose: -5 is negative"
        )) {
            try await process.value
        }
    }

    @Test("captured output holds what the child printed")
    func capture() async throws {
        let process = try await ParallelProcess.start(Say.self, "hello", executable: executable, output: .capture)
        #expect(try await process.value == 5)
        #expect(process.capturedOutput == "hello\n")
        #expect(process.capturedError == "warning: hello\n")
    }

    @Test("a program that exits without serving worker mode fails with spawnFailed naming serveIfRequested")
    func exitsWithoutServing() async throws {
        let forgetful = WorkerExecutable.path(TestWorker.path, arguments: ["exits-without-serving"])
        let process = try await ParallelProcess.start(Square.self, 3, executable: forgetful)
        #expect(await process.join() == .exited(status: 0))
        await #expect(throws: ProcessPoolError.spawnFailed(
            executable: forgetful.description,
            reason: "it exited with status 0 before serving worker mode; a program used as a worker must call ProcessWorker.serveIfRequested(_:) first thing in main"
        )) {
            try await process.value
        }
    }

    @Test("a missing executable fails to start with spawnFailed")
    func missing() async throws {
        await #expect(throws: ProcessPoolError.self) {
            try await ParallelProcess.start(Square.self, 1, executable: .path("/nonexistent"))
        }
    }

    @Test("its logger hears of the child's start and end: a crash before answering is an error with the pid and the task")
    func logsStartAndEnd() async throws {
        let log = RecordingLogHandler.Store()
        let logger = Logger(label: "test") { _ in RecordingLogHandler(store: log) }
        let healthy = try await ParallelProcess.start(Square.self, 3, executable: TestWorker.executable, logger: logger)
        #expect(try await healthy.value == 9)
        let crashing = try await ParallelProcess.start(CrashOnNegative.self, -1, executable: TestWorker.executable, logger: logger)
        _ = await crashing.join()
        #expect(log.events("process started").map { $0.metadata["worker.pid"] } == ["\(healthy.pid)", "\(crashing.pid)"])
        #expect(log.events("process exited with status 0").first?.level == .debug)
        let crash = log.events("process was killed by signal 9 (SIGKILL) before answering")
        #expect(crash.count == 1)
        #expect(crash.first?.level == .error)
        #expect(crash.first?.metadata["worker.pid"] == "\(crashing.pid)")
        #expect(crash.first?.metadata["task"] == "CrashOnNegative")
    }
}
