#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging
import CParallelShims
import Parallel
import ParallelTestTasks
import Testing

/// A pool whose workers are reached through a host link: here a launcher that runs the test worker
/// program in host-agent mode on this machine (the same agent and messages as over `ssh`, whose own
/// tests need the test bed: `SSHHostTests`).
@Suite("Hosts: workers behind a host link", .timeLimit(.minutes(2)))
struct HostPoolTests {
    init() async {
        // This test process's task list, which the pool compares with each agent's.
        await ProcessWorker.serveIfRequested(testRegistry)
    }

    static func agent(workers: Int, name: String = "agent-host", prefix: [String] = []) throws -> WorkerHost {
        try WorkerHost.command(prefix + [TestWorker.path, "--parallel-host-agent"], workers: workers, name: name)
    }

    /// A launcher through `sh` that writes its pid (the agent's, after `exec`) to `file` first.
    static func recordedAgent(workers: Int, pidFile: String) throws -> WorkerHost {
        try WorkerHost.command(
            ["sh", "-c", "echo $$ > '\(pidFile)'; exec '\(TestWorker.path)' --parallel-host-agent"], workers: workers, name: "recorded"
        )
    }

    static func alive(_ pid: Int32) -> Bool { pid > 0 && kill(pid, 0) == 0 }

    @Test("map, submit and run go to workers behind the link, in order, with the worker's own failures typed")
    func mapOverLink() async throws {
        try await withProcessPool(workers: 0, hosts: [Self.agent(workers: 2)], executable: TestWorker.executable) { pool in
            #expect(pool.workerCount == 2)
            let squares = try await pool.map(Square.self, Array(1...1_000), chunkSize: 7)
            #expect(squares == (1...1_000).map { $0 * $0 })
            #expect(try await pool.run(Square.self, 12) == 144)
            #expect(try await pool.run(Say.self, "héllo") == "héllo".count)
            await #expect(throws: ProcessPoolError.taskFailed(task: "FailOnNegative", type: "ParallelTestTasks.TestFailure", message: "failed on purpose: -1 is negative")) {
                try await pool.run(FailOnNegative.self, -1)
            }
            #expect(pool.workerProcessIDs.isEmpty, "remote workers' pids are another host's")
        }
    }

    @Test("a pool mixes this machine's workers with a host's, and both serve")
    func mixed() async throws {
        try await withProcessPool(workers: 1, hosts: [Self.agent(workers: 1)], executable: TestWorker.executable) { pool in
            #expect(pool.workerCount == 2)
            let local = Set(pool.workerProcessIDs)
            var seen = Set<Int32>()
            for _ in 0..<10 where seen.count < 2 {
                let pids = try await pool.map(NapPID.self, Array(repeating: 30, count: 8), chunkSize: 1)
                seen.formUnion(pids)
            }
            #expect(seen.count == 2, "\(seen)")
            #expect(!seen.subtracting(local).isEmpty, "one worker runs behind the link")
        }
    }

    @Test("a remote worker runs the pool's initializer, and is retired and replaced after maxTasksPerWorker requests")
    func initializerAndRecycling() async throws {
        let initializer = try WorkerInitializer(SetCounter.self, 100)
        try await withProcessPool(
            workers: 0, hosts: [Self.agent(workers: 1)], executable: TestWorker.executable, initializer: initializer, maxTasksPerWorker: 2
        ) { pool in
            var counts: [Int] = []
            var pids: [Int32] = []
            for _ in 0..<3 {
                counts.append(try await pool.run(Counter.self, 0))
                pids.append(try await pool.run(WorkerPID.self, 0))
            }
            #expect(counts == [101, 101, 101], "each new worker ran the initializer, then one Counter")
            #expect(Set(pids).count == 3, "a worker is retired after 2 requests: \(pids)")
            for pid in pids.dropLast() { #expect(await Self.exits(pid, within: .seconds(30)), "retired worker \(pid) exited") }
        }
    }

    @Test("a remote worker that crashes reports its real exit through the agent, and is replaced")
    func crash() async throws {
        try await withProcessPool(workers: 0, hosts: [Self.agent(workers: 1)], executable: TestWorker.executable) { pool in
            let before = try await pool.run(WorkerPID.self, 0)
            let error = await #expect(throws: ProcessPoolError.self) { try await pool.run(CrashOnNegative.self, -1) }
            guard case .workerCrashed(task: "CrashOnNegative", exit: .signaled(signal: SIGKILL), _) = error else {
                Issue.record("expected a crash by SIGKILL, got \(String(describing: error))")
                return
            }
            let after = try await pool.run(WorkerPID.self, 0)
            #expect(after != before)
            #expect(!Self.alive(before))
        }
    }

    @Test("a timeout kills the remote worker through its agent")
    func timeoutKills() async throws {
        try await withProcessPool(workers: 0, hosts: [Self.agent(workers: 1)], executable: TestWorker.executable) { pool in
            let pid = try await pool.run(WorkerPID.self, 0)
            await #expect(throws: ProcessPoolError.timedOut(task: "Hang", after: .milliseconds(300))) {
                try await pool.run(Hang.self, 60, timeout: .milliseconds(300))
            }
            #expect(try await pool.run(Square.self, 4) == 16)
            #expect(!Self.alive(pid), "the hung worker was killed")
        }
    }

    @Test("a link lost mid-task fails the running request with hostLost naming the host; later work goes to the other host; the lost host's worker dies")
    func linkLost() async throws {
        let pidFile = NSTemporaryDirectory() + "parallel-agent-\(UUID().uuidString).pid"
        defer { unlink(pidFile) }
        let marker = try Marker()
        let hosts = [try Self.recordedAgent(workers: 1, pidFile: pidFile), try Self.agent(workers: 1)]
        try await withProcessPool(workers: 0, hosts: hosts, executable: TestWorker.executable) { pool in
            let blocked = try pool.submit(BlockWhenNegative.self, .init(n: -1, marker: marker.path))
            let worker = try #require(await marker.blockingWorker())
            let recorded = try #require(Self.recordedPID(pidFile))
            // Its agent: the recorded one, or the other host's (this worker's parent).
            let agent = Self.parent(of: worker)
            let host = agent == recorded ? "recorded" : "agent-host"
            #expect(agent > 1)
            #expect(kill(agent, SIGKILL) == 0)
            let error = await #expect(throws: ProcessPoolError.self) { try await blocked.value }
            guard case .hostLost(task: "BlockWhenNegative", host: host, let reason) = error else {
                Issue.record("expected hostLost on \(host), got \(String(describing: error))")
                return
            }
            #expect(!reason.isEmpty)
            #expect(try await pool.map(Square.self, [1, 2, 3]) == [1, 4, 9], "the other host serves")
            #expect(await Self.exits(worker, within: .seconds(30)), "the lost host's worker died with its agent")
        }
    }

    @Test("an idempotent task lost with its host runs again on the other host and answers; the caller sees only its result")
    func idempotentRetried() async throws {
        let pidFile = NSTemporaryDirectory() + "parallel-agent-\(UUID().uuidString).pid"
        let once = NSTemporaryDirectory() + "parallel-once-\(UUID().uuidString)"
        defer { unlink(pidFile); unlink(once) }
        let marker = try Marker()
        let hosts = [try Self.recordedAgent(workers: 1, pidFile: pidFile), try Self.agent(workers: 1)]
        try await withProcessPool(workers: 0, hosts: hosts, executable: TestWorker.executable) { pool in
            let handle = try pool.submit(BlockOnceThenAnswer.self, .init(once: once, marker: marker.path))
            let first = try #require(await marker.blockingWorker())
            let agent = Self.parent(of: first)
            #expect(agent > 1)
            #expect(kill(agent, SIGKILL) == 0)
            let second = try await handle.value
            #expect(second != first, "the second run was on another worker")
            #expect(Self.parent(of: second) != agent, "on the other host")
            #expect(access(once, F_OK) == 0, "the first run really started")
            #expect(await Self.exits(first, within: .seconds(30)), "the lost host's worker died with its agent")
        }
    }

    @Test("bytes a login shell prints before the agent's greeting are a permanent start failure that quotes them")
    func preamble() async throws {
        let host = try WorkerHost.command(["sh", "-c", "echo 'Welcome to bash'; exec '\(TestWorker.path)' --parallel-host-agent"], workers: 1, name: "chatty")
        try await withProcessPool(workers: 0, hosts: [host], executable: TestWorker.executable) { pool in
            for _ in 0..<2 {
                let reason = try #require(await Self.startFailure(of: pool, on: "chatty"))
                #expect(reason.contains("printed 16 bytes"), "\(reason)")
                #expect(reason.contains("Welcome to bash"), "\(reason)")
                #expect(reason.contains("bashrc"), "\(reason)")
            }
        }
    }

    @Test("a program there with other tasks is refused before any work, saying what differs")
    func otherBuild() async throws {
        let host = try Self.agent(workers: 1, name: "old-build", prefix: ["env", "PARALLEL_TEST_OTHER_BUILD=1"])
        try await withProcessPool(workers: 0, hosts: [host], executable: TestWorker.executable) { pool in
            let reason = try #require(await Self.startFailure(of: pool, on: "old-build"))
            #expect(reason.contains("other tasks (1 task, digest"), "\(reason)")
        }
    }

    @Test("a launcher that cannot start, or a program that is not an agent, is a start failure with its own words", arguments: [
        (["/nonexistent/launcher"], "cannot start /nonexistent/launcher"),
        (["sh", "-c", "echo 'no such program' >&2; exit 127"], "no such program"),
    ])
    func notAnAgent(command: [String], words: String) async throws {
        let host = try WorkerHost.command(command, workers: 1, name: "broken")
        try await withProcessPool(workers: 0, hosts: [host], executable: TestWorker.executable) { pool in
            let reason = try #require(await Self.startFailure(of: pool, on: "broken"))
            #expect(reason.contains(words), "\(reason)")
        }
    }

    @Test("a host that stays down is logged once per failed connection, not at every launch it refuses; the local worker serves")
    func downHostLoggedOnce() async throws {
        let store = RecordingLogHandler.Store()
        let logger = Logger(label: "test") { _ in RecordingLogHandler(store: store) }
        // Each real try of the link appends a line to `attempts` (a slow run, as under
        // ThreadSanitizer, outlasts the 1 s backoff and tries again: a new failure, logged again).
        let attempts = NSTemporaryDirectory() + "parallel-attempts-\(UUID().uuidString)"
        defer { unlink(attempts) }
        let host = try WorkerHost.command(
            ["sh", "-c", "echo try >> '\(attempts)'; echo 'no such program' >&2; exit 127"], workers: 2, name: "down"
        )
        try await withProcessPool(workers: 1, hosts: [host], executable: TestWorker.executable, logger: logger) { pool in
            let squares = try await pool.map(Square.self, Array(1...40), chunkSize: 1)
            #expect(squares == (1...40).map { $0 * $0 })
        }
        let tries = ((try? String(contentsOfFile: attempts, encoding: .utf8)) ?? "").split(separator: "\n").count
        let refusals = store.events.filter { $0.message.hasPrefix("worker on host down not started") }
        #expect(tries >= 1)
        #expect(refusals.count > tries, "each refused launch is logged (at debug level after the failure's first)")
        #expect(refusals.filter { $0.level >= .warning }.count == tries, "\(tries) tries: \(refusals.map { "\($0.level): \($0.message)" })")
    }

    @Test("a pool with hosts refuses a SharedArray input at once with a typed error, even with local workers; other work goes on")
    func sharedArrayRefused() async throws {
        try await withProcessPool(workers: 1, hosts: [Self.agent(workers: 1)], executable: TestWorker.executable) { pool in
            let array = try SharedArray<Double>(count: 16)
            let error = await #expect(throws: ProcessPoolError.self) { try await pool.run(SumShared.self, array) }
            guard case .encodingFailed(task: "SumShared", let message) = error else {
                Issue.record("expected encodingFailed, got \(String(describing: error))")
                return
            }
            #expect(message.contains("cannot travel to workers on other hosts (this pool has agent-host)"), "\(message)")
            #expect(try await pool.run(Square.self, 3) == 9)
        }
    }

    @Test("when the pool ends, the agent has exited and been reaped and its workers are gone")
    func nothingLeft() async throws {
        let pidFile = NSTemporaryDirectory() + "parallel-agent-\(UUID().uuidString).pid"
        defer { unlink(pidFile) }
        let pids = try await withProcessPool(workers: 0, hosts: [Self.recordedAgent(workers: 2, pidFile: pidFile)], executable: TestWorker.executable) { pool in
            try await pool.map(NapPID.self, [20, 20, 20, 20], chunkSize: 1)
        }
        let agent = try #require(Self.recordedPID(pidFile))
        #expect(kill(agent, 0) == -1 && errno == ESRCH, "the agent was reaped before the pool returned")
        for pid in Set(pids) { #expect(!Self.alive(pid), "worker \(pid) is gone") }
    }

    @Test("when the pool's program is SIGKILLed, the agent and the worker it runs are gone within seconds")
    func parentDeath() async throws {
        let pidFile = NSTemporaryDirectory() + "parallel-agent-\(UUID().uuidString).pid"
        defer { unlink(pidFile) }
        let marker = try Marker()
        let program = Process()
        program.executableURL = URL(fileURLWithPath: TestWorker.path)
        program.arguments = ["host-pool", pidFile, marker.path]
        try program.run()
        let worker = try #require(await marker.blockingWorker())
        let agent = try #require(Self.recordedPID(pidFile))
        #expect(Self.parent(of: worker) == agent)
        kill(program.processIdentifier, SIGKILL)
        program.waitUntilExit()
        #expect(await Self.exits(agent, within: .seconds(15)), "the agent ended with its stream")
        #expect(await Self.exits(worker, within: .seconds(15)), "the agent's worker died with it")
    }

    /// The reason of the `spawnFailed` on `host` that a task on `pool` meets (its workers cannot
    /// start there), or nil, with an issue recorded, if it meets anything else.
    static func startFailure(of pool: ProcessPool, on host: String) async -> String? {
        let error = await #expect(throws: ProcessPoolError.self) { try await pool.run(Square.self, 2) }
        guard case .spawnFailed("on host \(host)", let reason) = error else {
            Issue.record("expected spawnFailed on host \(host), got \(String(describing: error))")
            return nil
        }
        return reason
    }

    /// The pid a `recordedAgent` launcher wrote to `file`.
    static func recordedPID(_ file: String) -> Int32? {
        (try? String(contentsOfFile: file, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// The parent pid of `pid` (from `/proc/<pid>/stat`), 0 if unknown.
    static func parent(of pid: Int32) -> Int32 {
        let stat = readProcFile("/proc/\(pid)/stat")
        guard let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) ?? 0 : 0
    }

    /// Whether `pid` exits within `limit`: a pidfd becomes readable when it does (an event, not a
    /// poll of `/proc`).
    static func exits(_ pid: Int32, within limit: Duration) async -> Bool {
        let descriptor = parallel_pidfd_open(pid)
        guard descriptor >= 0 else { return errno == ESRCH }
        defer { close(descriptor) }
        let milliseconds = Int32(limit.components.seconds * 1_000)
        return (try? await toThread { () -> Bool in
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            for _ in 0..<16 {
                let ready = poll(&poller, 1, milliseconds)
                if ready < 0 && errno == EINTR { continue }
                return ready > 0
            }
            return false
        }) ?? false
    }
}
