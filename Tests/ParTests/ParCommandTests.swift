import Foundation
import Parallel
import Testing

/// End-to-end checks of the `par` tool, run as a separate process exactly as a user runs it.
@Suite("par, end to end", .timeLimit(.minutes(5)))
struct ParCommandTests {
    @Test("par demo runs every seed example in order and prints what the seed's programs print")
    func demoRunsEverything() async throws {
        let run = try await Par.run(["demo"], timeout: .seconds(120))
        #expect(run.status == 0, "par demo failed: \(run.errors)")
        let out = run.output
        let order = ["== process", "== pool", "== futures", "== threads", "== asyncio", "== http", "== generator", "== hybrid"]
        let positions = order.map { out.range(of: $0)?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil }, "missing a demo in:\n\(out)")
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted(), "demos out of seed order")

        // process: the child prints its own pid, which is not the parent's.
        let childPIDs = out.split(separator: "\n").compactMap { line in
            line.hasPrefix("Process: ") ? Int32(line.dropFirst("Process: ".count)) : nil
        }
        #expect(childPIDs.count == 1 && childPIDs.first != run.pid)
        // pool and hybrid: the exact results.
        #expect(out.contains("Results: [1, 4, 9, 16, 25]"))
        #expect(out.contains("Results: [333328333350000, 2666646666700000, 1124988750025000]"))
        // futures, threads, asyncio, generator, http.
        #expect(out.contains("Executed in thread Thread-1"))
        for index in 0..<3 { #expect(out.contains("Started Thread-\(index)") && out.contains("Finished Thread-\(index)")) }
        #expect(out.contains("All results: [Result from Task-1, Result from Task-2, Result from Task-3]"))
        for value in 0..<5 { #expect(out.contains("Received value: \(value)")) }
        #expect(out.contains("Received 4 responses (3 successful)"))
        #expect(out.contains("Error: "), "the failing URL shows its error as text")
    }

    @Test(
        "par demo hosts runs the pool and hybrid examples on workers over ssh (the test bed's hosts), and asks for --host without one",
        .enabled(if: ProcessInfo.processInfo.environment["PARALLEL_HOSTS_SSH_CONFIG"] != nil)
    )
    func demoHosts() async throws {
        let environment = ProcessInfo.processInfo.environment
        let config = try #require(environment["PARALLEL_HOSTS_SSH_CONFIG"])
        let host = try #require(environment["PARALLEL_HOSTS"]?.split(separator: " ").first.map(String.init))
        let run = try await Par.run(["demo", "hosts", "--host", host, "--ssh-config", config], timeout: .seconds(60))
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.contains("Results: [1, 4, 9, 16, 25]"))
        #expect(run.output.contains("Results: [333328333350000, 2666646666700000, 1124988750025000]"))
        let missing = try await Par.run(["demo", "hosts"], timeout: .seconds(30))
        #expect(missing.status != 0)
        #expect(missing.errors.contains("needs at least one --host"))
    }

    @Test("par demo with an unknown name fails with a message that lists the demos")
    func unknownDemo() async throws {
        let run = try await Par.run(["demo", "nosuch"], timeout: .seconds(30))
        #expect(run.status != 0)
        #expect(run.errors.contains("unknown demo 'nosuch'") && run.errors.contains("hybrid"))
    }

    @Test(
        "par bench --quick --json prints valid JSON with every suite's rows, each verified",
        .disabled(
            if: ProcessInfo.processInfo.environment["PARALLEL_SANITIZER"] != nil,
            "a sanitized par is too slow to benchmark; the plain test run covers it"
        )
    )
    func benchQuickJSON() async throws {
        let run = try await Par.run(["bench", "--quick", "--json"], timeout: .seconds(240))
        #expect(run.status == 0, "par bench failed: \(run.errors)")
        let data = Data(run.output.utf8)
        let rows = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        let sections = Set(rows.compactMap { $0["section"] as? String })
        for expected in ["threads", "futures", "processes", "async", "http",
                         "table: CPU-bound", "table: I/O-bound (sleeps)", "table: I/O-bound (HTTP)"] {
            #expect(sections.contains { $0.contains(expected) }, "no rows for \(expected) in \(sections)")
        }
        for row in rows {
            #expect(row["verified"] as? Bool == true, "unverified row: \(row)")
            #expect((row["value"] as? Double).map { $0.isFinite && $0 > 0 } == true, "bad value: \(row)")
        }
        #expect(rows.count >= 20)
    }

    @Test(
        "par bench shows plain progress lines when piped, and one live line on a terminal",
        .disabled(if: ProcessInfo.processInfo.environment["PARALLEL_SANITIZER"] != nil, "a sanitized par is too slow to benchmark")
    )
    func progressLine() async throws {
        let piped = try await Par.run(["bench", "threads", "--quick", "--no-python"], timeout: .seconds(120))
        #expect(piped.status == 0, "par bench failed: \(piped.errors)")
        #expect(piped.errors.contains("… suite threads\n"))
        #expect(!piped.errors.contains("\r") && !piped.errors.contains("\u{1B}"))
        // On a terminal: `script` runs par on a pseudo-terminal, its standard error included.
        let command = "TERM=xterm \(Par.executable.path) bench threads --quick --no-python"
        let terminal = try await Par.run(
            ["-qefc", command, "/dev/null"], timeout: .seconds(120), executable: URL(fileURLWithPath: "/usr/bin/script")
        )
        #expect(terminal.status == 0, "par bench on a terminal failed: \(terminal.output)")
        #expect(terminal.output.contains("\r\u{1B}[2K[0:0"), "no live line in: \(terminal.output.debugDescription)")
        #expect(!terminal.output.contains("… suite"))
    }
}

/// Runs the `par` executable built next to this test binary.
enum Par {
    struct Run {
        var pid: Int32
        var status: Int32
        var output: String
        var errors: String
    }

    static var executable: URL {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent("par")
    }

    /// Runs `par arguments` (or another `executable`) from the package root, killing it if it
    /// outlives `timeout`.
    ///
    /// The waiting happens on a thread of the package's own pool (`toThread`), not on one of the two
    /// cooperative threads: blocking those for a whole `par bench` starved every other test of the
    /// suite for its first 14 s.
    static func run(_ arguments: [String], timeout: Duration, executable: URL = Par.executable) async throws -> Run {
        try await toThread { try runBlocking(arguments, timeout: timeout, executable: executable) }
    }

    private static func runBlocking(_ arguments: [String], timeout: Duration, executable: URL) throws -> Run {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        // The package root, so `par bench` finds Benchmarks/python.
        process.currentDirectoryURL = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        // Drain both pipes concurrently, on threads of their own, so neither can fill up and stall
        // the child.
        let outputReader = try spawnThread(name: "par-stdout") { output.fileHandleForReading.readDataToEndOfFile() }
        let errorReader = try spawnThread(name: "par-stderr") { errors.fileHandleForReading.readDataToEndOfFile() }
        if finished.wait(timeout: .now() + Double(timeout.components.seconds)) == .timedOut {
            process.terminate()
            finished.wait()
        }
        return Run(
            pid: process.processIdentifier,
            status: process.terminationStatus,
            output: String(decoding: try outputReader.join(), as: UTF8.self),
            errors: String(decoding: try errorReader.join(), as: UTF8.self)
        )
    }
}
