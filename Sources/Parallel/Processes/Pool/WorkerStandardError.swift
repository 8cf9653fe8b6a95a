/// One worker's standard error as the pool sees it: a pipe the service thread reads, whose lines it
/// passes on to this process's standard error as they come, except a crash report, which it keeps
/// for the ``ProcessPoolError/workerCrashed(task:exit:report:)`` of the request the worker was
/// running (with the last lines before it, where a `Fatal error:` message is).
///
/// So a task's own messages on standard error still reach the user, as with Python's pools, while a
/// crashing worker's report (the Swift runtime's backtrace, about 45 lines) goes to the caller that
/// can act on it instead of flooding the terminal: a hundred crashes print nothing of their reports.
///
/// A crash report begins with a line the Swift runtime's backtracer writes: `*** Signal 6:
/// Backtracing from …` (or `💣 Program crashed: …` on a terminal), or one the runtime writes while
/// it handles the crash (`swift-runtime: failed to suspend thread …`). Everything from that line on
/// is the report. The type is a value with no I/O: the service thread feeds it what it reads.
struct WorkerStandardError {
    /// The most bytes of a report kept (its beginning: the crash, the crashed thread's frames).
    static let reportLimit = 16 * 1024
    /// The most bytes of output before the report kept with it.
    static let tailLimit = 2 * 1024
    /// A line longer than this is passed on without waiting for its end.
    static let lineLimit = 4 * 1024

    /// The beginnings of the backtracer's first line.
    private static let reportStarts: [[UInt8]] = ["*** Signal ", "*** Program crashed", "💣 Program crashed", "swift-runtime: "]
        .map { Array($0.utf8) }

    /// The start of a line not yet passed on (no newline yet).
    private var partialLine: [UInt8] = []
    /// Empty lines not yet passed on: the backtracer writes one before its report.
    private var heldEmptyLines = 0
    /// The last bytes passed on, at most ``tailLimit``.
    private var tail: [UInt8] = []
    /// The report so far, once one has begun.
    private var report: [UInt8]?
    /// Bytes of the report beyond ``reportLimit``, dropped.
    private var droppedBytes = 0
    /// The pipe has ended (every writer closed it): nothing more to read.
    private(set) var isClosed = false

    /// Notes the end of the pipe.
    mutating func close() { isClosed = true }

    /// Takes `bytes` the worker wrote and returns those to pass on to this process's standard error
    /// now: whole lines up to the start of a crash report, nothing from there on.
    mutating func append(_ bytes: some Collection<UInt8>) -> [UInt8] {
        if report != nil {
            keep(bytes)
            return []
        }
        partialLine.append(contentsOf: bytes)
        var forward: [UInt8] = []
        var lineStart = partialLine.startIndex
        while let newline = partialLine[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
            let line = partialLine[lineStart...newline]
            lineStart = newline + 1
            if line.count == 1 && heldEmptyLines < Self.lineLimit {
                heldEmptyLines += 1
                continue
            }
            if Self.startsReport(line) {
                keep(partialLine[line.startIndex...])
                partialLine = []
                heldEmptyLines = 0
                remember(forward)
                return forward
            }
            forward += repeatElement(UInt8(ascii: "\n"), count: heldEmptyLines)
            heldEmptyLines = 0
            forward += line
        }
        partialLine.removeSubrange(..<lineStart)
        if partialLine.count > Self.lineLimit {
            forward += repeatElement(UInt8(ascii: "\n"), count: heldEmptyLines)
            heldEmptyLines = 0
            forward += partialLine
            partialLine = []
        }
        remember(forward)
        return forward
    }

    /// At the worker's end: the last line if it had no newline, to pass on (unless it is part of a
    /// report).
    mutating func finish() -> [UInt8] {
        defer {
            partialLine = []
            heldEmptyLines = 0
        }
        guard report == nil else { return [] }
        if Self.startsReport(partialLine[...]) {
            keep(partialLine)
            return []
        }
        let rest = Array(repeatElement(UInt8(ascii: "\n"), count: heldEmptyLines)) + partialLine
        remember(rest)
        return rest
    }

    /// What the caller of a crashed worker's request gets: the last output before the report and the
    /// report itself; empty if the worker wrote nothing.
    var crashReport: String {
        var text = String(decoding: tail + (report ?? []), as: UTF8.self)
        if droppedBytes > 0 { text += "\n… (\(droppedBytes) more bytes of the report dropped)" }
        return text
    }

    private mutating func keep(_ bytes: some Collection<UInt8>) {
        var kept = report ?? []
        let room = max(0, Self.reportLimit - kept.count)
        kept += bytes.prefix(room)
        droppedBytes += max(0, bytes.count - room)
        report = kept
    }

    private mutating func remember(_ forwarded: [UInt8]) {
        guard !forwarded.isEmpty else { return }
        tail += forwarded
        if tail.count > Self.tailLimit { tail.removeFirst(tail.count - Self.tailLimit) }
    }

    private static func startsReport(_ line: ArraySlice<UInt8>) -> Bool {
        reportStarts.contains { line.starts(with: $0) }
    }
}
