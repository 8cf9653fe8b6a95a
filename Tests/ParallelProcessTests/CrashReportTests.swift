#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Parallel
import ParallelTestTasks
import Testing

@Suite("Crash reports: a crashed worker's standard error reaches its caller, not the terminal", .timeLimit(.minutes(1)))
struct CrashReportTests {
    let executable = TestWorker.executable
    /// Whether the Swift runtime's backtracer runs in crashing workers (CI turns it off under
    /// ThreadSanitizer, whose signal handling it conflicts with: reports are then the lines before).
    static let backtracerOn = !(ProcessInfo.processInfo.environment["SWIFT_BACKTRACE"] ?? "").contains("enable=no")
    /// Under a sanitizer every process starts slowly: a smaller storm.
    static let stormSize = ProcessInfo.processInfo.environment["PARALLEL_SANITIZER"] == nil ? 1_000 : 200

    @Test(
        "a task that traps fails with its Fatal error message and the runtime's crash report, and the pool goes on",
        arguments: [ProcessPool.StartMethod.forkServer, .spawn]
    )
    func trapCarriesReport(startMethod: ProcessPool.StartMethod) async throws {
        try await withProcessPool(workers: 1, executable: executable, startMethod: startMethod) { pool in
            let error = await #expect(throws: ProcessPoolError.self) { try await pool.run(Trap.self, 5) }
            guard case .workerCrashed(task: "Trap", exit: .signaled, let report) = error else {
                Issue.record("expected workerCrashed, got \(String(describing: error))")
                return
            }
            #expect(report.contains("Fatal error: the task gave up on 5"), "\(report)")
            if Self.backtracerOn { #expect(report.contains("Program crashed"), "\(report)") }
            #expect(report.utf8.count <= 20 * 1024)
            #expect(error?.description.contains("Fatal error: the task gave up on 5") == true)
            let next = try await pool.run(Square.self, 3)
            #expect(next == 9)
        }
    }

    @Test(
        "a crash storm (every tenth of 1,000 tasks aborts): every crash carries its report, the program's standard error gets none of them",
        arguments: ["fork-server", "spawn"]
    )
    func crashStorm(startMethod: String) async throws {
        let (output, errors, status) = try await runTestWorker(["crash-storm", startMethod, "\(Self.stormSize)"])
        let crashes = Self.stormSize / 10
        #expect(status == 0)
        #expect(output == "crashes \(crashes) reports \(Self.backtracerOn ? crashes : 0) succeeded \(Self.stormSize - crashes)\n")
        // What the program's standard error got: the one line a task wrote on purpose, not 100 reports
        // of about 45 lines each.
        let lines = errors.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines == ["whisper 7"], "\(lines.count) lines: \(lines.prefix(10))")
    }
}
