import Parallel

/// A group of `par bench` rows owned by one part of the package (threads, processes, async, HTTP…).
struct BenchSuite: Sendable {
    /// The name on the command line: `par bench <name>`.
    let name: String
    /// Measures and returns this suite's rows; checks the results of the work it times.
    let run: @Sendable (BenchContext) async throws -> [BenchRow]

    /// Every suite, in the order the table prints them.
    static let all: [BenchSuite] = [
        .threads,
        .futures,
        .processes,
        .payloads,
        .sharedMemory,
        .async,
        .http,
        .table,
    ]

    /// Suites that run only when named (`par bench hosts`): they need what a default run cannot
    /// assume (hosts reachable over ssh).
    static let onRequest: [BenchSuite] = [.hosts]

    /// Every suite a name can pick.
    static var named: [BenchSuite] { all + onRequest }
}

/// What a suite needs to know about this run of `par bench`.
struct BenchContext: Sendable {
    /// `--quick`: sizes chosen so the whole run takes under a minute.
    let quick: Bool
    /// The Python peer, or `nil` when `python3` is absent or `--no-python` was given.
    let python: PythonPeer?
    /// Why there is no Python peer, for the notes of rows that would have had one.
    let pythonMissingReason: String

    /// `full` normally, `quick` under `--quick`.
    func size(_ full: Int, quick quickSize: Int) -> Int { quick ? quickSize : full }

    /// Where progress goes: a live line on a terminal, plain lines when piped (standard error, out of
    /// `--json` output).
    let line: ProgressLine

    /// Starts a step of the run: the progress line shows it.
    func progress(_ message: String) {
        line.step(message)
    }

    /// The current step's `map` progress, for the live line (a `progress:` argument).
    var mapProgress: @Sendable (MapProgress) -> Void {
        { [line] progress in line.update(progress) }
    }
}
