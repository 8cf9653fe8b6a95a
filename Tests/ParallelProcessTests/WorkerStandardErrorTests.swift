@testable import Parallel
import Testing

/// How a worker's standard error is split between this process's standard error and a crash report,
/// without a process: bytes in, bytes passed on and the report out.
@Suite("A worker's standard error", .timeLimit(.minutes(1)))
struct WorkerStandardErrorTests {
    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test("whole lines are passed on as they come; a line's start waits for its end")
    func linesPassOn() {
        var output = WorkerStandardError()
        #expect(text(output.append(Array("first line\nsecond ".utf8))) == "first line\n")
        #expect(text(output.append(Array("half\n".utf8))) == "second half\n")
        #expect(output.crashReport == "first line\nsecond half\n", "no crash: the report is the last output")
    }

    @Test("a crash report is kept, not passed on, with the lines before it; the empty line before it is dropped")
    func crashReportIsKept() {
        var output = WorkerStandardError()
        let written = "task says hi\nmain.swift:8: Fatal error: boom\n\n*** Signal 4: Backtracing from 0x1... done ***\n\n*** Program crashed: Illegal instruction ***\n  0 main + 12\n"
        // In two pieces cut in the middle of the report's first line.
        let bytes = Array(written.utf8)
        let passed = output.append(bytes[..<60]) + output.append(bytes[60...]) + output.finish()
        #expect(text(passed) == "task says hi\nmain.swift:8: Fatal error: boom\n")
        #expect(output.crashReport == written.replacingOccurrences(of: "boom\n\n", with: "boom\n"))
    }

    @Test("the backtracer's first line on a terminal starts a report too")
    func terminalReport() {
        var output = WorkerStandardError()
        #expect(output.append(Array("💣 Program crashed: Aborted at 0x0\n".utf8)).isEmpty)
        #expect(output.crashReport.hasPrefix("💣 Program crashed"))
    }

    @Test("empty lines that no report follows are passed on, in their place")
    func emptyLinesPassOn() {
        var output = WorkerStandardError()
        #expect(text(output.append(Array("a\n\n\nb\n\n".utf8))) == "a\n\n\nb\n")
        #expect(text(output.finish()) == "\n")
    }

    @Test("a last line without a newline is passed on at the end")
    func lastLine() {
        var output = WorkerStandardError()
        #expect(output.append(Array("no newline".utf8)).isEmpty)
        #expect(text(output.finish()) == "no newline")
    }

    @Test("a line longer than the limit is passed on without waiting for its end")
    func longLine() {
        var output = WorkerStandardError()
        let long = [UInt8](repeating: UInt8(ascii: "x"), count: WorkerStandardError.lineLimit + 1)
        #expect(output.append(long) == long)
    }

    @Test("a report is kept up to its limit, the output before it up to its own; the rest is counted, not kept")
    func limits() {
        var output = WorkerStandardError()
        let before = String(repeating: "line before the crash\n", count: 1_000)
        _ = output.append(Array(before.utf8))
        _ = output.append(Array("*** Signal 6: Backtracing\n".utf8))
        let frames = [UInt8](repeating: UInt8(ascii: "f"), count: 2 * WorkerStandardError.reportLimit)
        #expect(output.append(frames).isEmpty)
        let report = output.crashReport
        let expectedDropped = frames.count + "*** Signal 6: Backtracing\n".utf8.count - WorkerStandardError.reportLimit
        #expect(report.hasSuffix("… (\(expectedDropped) more bytes of the report dropped)"))
        #expect(report.utf8.count <= WorkerStandardError.tailLimit + WorkerStandardError.reportLimit + 64)
        #expect(report.hasPrefix("line before the crash\n") || report.hasPrefix("before the crash\n") || report.contains("crash\n*** Signal 6"))
    }
}
