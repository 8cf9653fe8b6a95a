#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Parallel
import ParallelTestTasks
import Testing

/// The test bed's hosts (`scripts/hosts-testbed up`: network namespaces, each with its own sshd),
/// as its `env` command describes them; nil where it is not up.
struct TestBed {
    let sshConfig: String
    let hosts: [String]
    let namespaces: [String]
    let script: String

    static let current: TestBed? = {
        let environment = ProcessInfo.processInfo.environment
        guard let config = environment["PARALLEL_HOSTS_SSH_CONFIG"], let hosts = environment["PARALLEL_HOSTS"],
              let namespaces = environment["PARALLEL_HOSTS_NETNS"], let script = environment["PARALLEL_HOSTS_TESTBED"]
        else {
            print("SSHHostTests skipped: no test bed (run `scripts/hosts-testbed up 2` as root and eval its `env`)")
            return nil
        }
        return TestBed(
            sshConfig: config, hosts: hosts.split(separator: " ").map(String.init),
            namespaces: namespaces.split(separator: " ").map(String.init), script: script
        )
    }()

    static var available: Bool { current.map { $0.hosts.count >= 2 } ?? false }

    func host(_ index: Int, workers: Int, program: String = TestWorker.path) throws -> WorkerHost {
        try .ssh(hosts[index], workers: workers, program: program, options: ["-F", sshConfig])
    }

    /// Runs the test bed's script with `arguments` (`link down 2`), waiting for it.
    func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestBedError(reason: "hosts-testbed \(arguments) exited \(process.terminationStatus)") }
    }

    /// The pids of processes inside host `index`'s namespace running `program`.
    func processes(in index: Int, running program: String) throws -> [Int32] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = ["netns", "pids", namespaces[index]]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }.filter { pid in
            readProcFile("/proc/\(pid)/cmdline").hasPrefix(program)
        }
    }
}

struct TestBedError: Error {
    let reason: String
}

/// The same pool over real `ssh` to real sshds in network namespaces (the test bed). Serialized:
/// the faults change the shared hosts.
@Suite("Hosts over ssh: the test bed's sshds", .serialized, .enabled(if: TestBed.available), .timeLimit(.minutes(3)))
struct SSHHostTests {
    init() async {
        await ProcessWorker.serveIfRequested(testRegistry)
    }

    @Test("map, run and a crash over two ssh hosts behave as with local workers")
    func mapOverSSH() async throws {
        let bed = try #require(TestBed.current)
        let hosts = [try bed.host(0, workers: 2), try bed.host(1, workers: 1)]
        try await withProcessPool(workers: 0, hosts: hosts, executable: TestWorker.executable) { pool in
            let squares = try await pool.map(Square.self, Array(0..<2_000), chunkSize: 16)
            #expect(squares == (0..<2_000).map { $0 * $0 })
            #expect(try await pool.run(Say.self, "over ssh") == 8)
            let error = await #expect(throws: ProcessPoolError.self) { try await pool.run(CrashOnNegative.self, -1) }
            guard case .workerCrashed(task: "CrashOnNegative", exit: .signaled(signal: SIGKILL), _) = error else {
                Issue.record("expected the real exit, a SIGKILL, through the agent; got \(String(describing: error))")
                return
            }
            #expect(try await pool.run(Square.self, 9) == 81)
        }
    }

    @Test("a link that goes down mid-map: every input has a result or a typed error, and later work runs on the other host")
    func linkDownMidMap() async throws {
        let bed = try #require(TestBed.current)
        let hosts = [try bed.host(0, workers: 1), try bed.host(1, workers: 1)]
        try await withProcessPool(workers: 0, hosts: hosts, executable: TestWorker.executable) { pool in
            // Both hosts serve first.
            _ = try await pool.map(Nap.self, [50, 50, 50, 50], chunkSize: 1)
            async let results = pool.mapResults(Nap.self, Array(repeating: 100, count: 60), chunkSize: 1)
            try bed.run(["link", "down", "2"])
            defer { try? bed.run(["link", "up", "2"]) }
            let outcomes = try await results
            #expect(outcomes.count == 60)
            var lost = 0
            for outcome in outcomes {
                switch outcome {
                case .success(let value): #expect(value == 100)
                case .failure(.hostLost(task: "Nap", host: "host2", _)): lost += 1
                case .failure(let error): Issue.record("unexpected \(error)")
                }
            }
            #expect(lost <= 1, "at most the request running there is lost; the ones queued behind it ran on host1")
            let after = try await pool.map(Square.self, [1, 2, 3])
            #expect(after == [1, 4, 9])
        }
    }

    @Test("over a lossy, slow link (10% of packets dropped both ways, 8 mbit/s) every result is right, a 1 MB input included")
    func lossyAndSlow() async throws {
        let bed = try #require(TestBed.current)
        try bed.run(["drop", "2", "10", "both"])
        defer { try? bed.run(["drop", "2", "0"]) }
        try bed.run(["slow", "2", "8mbit"])
        defer { try? bed.run(["slow", "2", "off"]) }
        try await withProcessPool(workers: 0, hosts: [try bed.host(1, workers: 2)], executable: TestWorker.executable) { pool in
            let squares = try await pool.map(Square.self, Array(0..<300), chunkSize: 3)
            #expect(squares == (0..<300).map { $0 * $0 })
            let series = Series(values: (0..<131_072).map { Double($0) }, name: "over a bad link")
            let scaled = try await pool.run(Scale.self, series)
            #expect(scaled == Series(values: series.values.map { $0 * 2 }, name: "over a bad link×2"))
        }
    }

    @Test("a program missing on the host is a start failure with the remote shell's words")
    func programMissing() async throws {
        let bed = try #require(TestBed.current)
        let host = try bed.host(0, workers: 1, program: "/nonexistent/app")
        try await withProcessPool(workers: 0, hosts: [host], executable: TestWorker.executable) { pool in
            let reason = try #require(await HostPoolTests.startFailure(of: pool, on: "host1"))
            #expect(reason.contains("127") && reason.contains("/nonexistent/app"), "\(reason)")
        }
    }

    @Test("an unknown host key is refused (no trust on first use) with ssh's words; local workers of the same pool go on")
    func unknownHostKey() async throws {
        let bed = try #require(TestBed.current)
        let stranger = try WorkerHost.ssh(
            bed.hosts[0], workers: 1, program: TestWorker.path, options: ["-F", bed.sshConfig, "-o", "UserKnownHostsFile=/dev/null"]
        )
        try await withProcessPool(workers: 0, hosts: [stranger], executable: TestWorker.executable) { pool in
            let reason = try #require(await HostPoolTests.startFailure(of: pool, on: "host1"))
            #expect(reason.contains("Host key verification failed"), "\(reason)")
        }
        try await withProcessPool(workers: 1, hosts: [stranger], executable: TestWorker.executable) { pool in
            let squares = try await pool.map(Square.self, Array(1...20), chunkSize: 1)
            #expect(squares == (1...20).map { $0 * $0 }, "the local worker serves what the host cannot")
        }
    }

    @Test("sshd stopped: the open connection serves on; a new one is refused, the work runs on the other host, and once sshd is back the host serves again")
    func sshdStopped() async throws {
        let bed = try #require(TestBed.current)
        let hosts = [try bed.host(0, workers: 1), try bed.host(1, workers: 1)]
        /// Which hosts (0, 1) ran the workers whose pids `pids` are.
        func placement(_ pids: [Int32]) throws -> Set<Int> {
            let there = try (0..<2).map { Set(try bed.processes(in: $0, running: TestWorker.path)) }
            return Set(pids.map { pid in there.firstIndex { $0.contains(pid) } ?? -1 })
        }
        try await withProcessPool(workers: 0, hosts: hosts, executable: TestWorker.executable) { pool in
            #expect(try placement(try await pool.map(NapPID.self, Array(repeating: 50, count: 8), chunkSize: 1)) == [0, 1])
            try bed.run(["sshd", "stop", "2"])
            defer { try? bed.run(["sshd", "start", "2"]) }
            #expect(
                try placement(try await pool.map(NapPID.self, Array(repeating: 50, count: 8), chunkSize: 1)) == [0, 1],
                "the open connection's workers serve on (sshd's sessions outlive the listener)"
            )
            // End host2's link (its agent), so the next worker there needs a new connection.
            let agents = try bed.processes(in: 1, running: TestWorker.path).filter {
                readProcFile("/proc/\($0)/cmdline").contains("--parallel-host-agent")
            }
            #expect(agents.count == 1)
            for agent in agents { kill(agent, SIGKILL) }
            let outcomes = try await pool.mapResults(NapPID.self, Array(repeating: 50, count: 20), chunkSize: 1)
            var served: [Int32] = []
            for outcome in outcomes {
                switch outcome {
                case .success(let pid): served.append(pid)
                case .failure(.hostLost(task: "NapPID", host: "host2", _)): break
                case .failure(let error): Issue.record("unexpected \(error)")
                }
            }
            #expect(served.count >= 19, "at most the request running on host2 is lost")
            #expect(try placement(served) == [0], "host2 refuses new connections: host1 ran the rest")
            try bed.run(["sshd", "start", "2"])
            // The link is tried again with later work, after its backoff (a few seconds): rounds of
            // work until a worker runs on host2, at most 100 rounds of 4 × 50 ms (about 10 s at
            // the least, far more than the backoff).
            var back = false
            for _ in 0..<100 where !back {
                back = try placement(try await pool.map(NapPID.self, Array(repeating: 50, count: 4), chunkSize: 1)).contains(1)
            }
            #expect(back, "host2 serves again once its sshd is back")
        }
    }

    @Test("when the pool's program is SIGKILLed, no worker is left on the host")
    func parentDeath() async throws {
        let bed = try #require(TestBed.current)
        let marker = try Marker()
        let program = Process()
        program.executableURL = URL(fileURLWithPath: TestWorker.path)
        program.arguments = ["ssh-pool", bed.sshConfig, bed.hosts[0], marker.path]
        try program.run()
        let worker = try #require(await marker.blockingWorker())
        #expect(try bed.processes(in: 0, running: TestWorker.path).contains(worker))
        let agent = HostPoolTests.parent(of: worker)
        kill(program.processIdentifier, SIGKILL)
        program.waitUntilExit()
        #expect(await HostPoolTests.exits(worker, within: .seconds(30)), "the remote worker ended with its link")
        #expect(await HostPoolTests.exits(agent, within: .seconds(30)), "the agent ended with its link")
        #expect(try bed.processes(in: 0, running: TestWorker.path).isEmpty, "no agent or worker is left in the host's namespace")
    }
}
