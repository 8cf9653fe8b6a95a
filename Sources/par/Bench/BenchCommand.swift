import ArgumentParser
import Foundation

/// `par bench [suite…]`: measures each tool and prints the comparison table.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure every tool on this machine, side by side with Python where python3 exists.",
        discussion: "Build with -c release for meaningful numbers: swift run -c release par bench"
    )

    @Argument(help: "Suites to run; all but those that need hosts (hosts) when none is named.")
    var suites: [String] = []

    @Flag(help: "Small sizes: the whole run takes under a minute.")
    var quick = false

    @Flag(help: "Print the rows as JSON instead of a table.")
    var json = false

    @Flag(help: "Print the table as Markdown.")
    var markdown = false

    @Flag(help: "Do not run the Python peers.")
    var noPython = false

    func validate() throws {
        let known = Set(BenchSuite.named.map(\.name))
        for name in suites where !known.contains(name) {
            throw ValidationError(
                "unknown suite '\(name)'; choose from: \(BenchSuite.named.map(\.name).joined(separator: ", "))"
            )
        }
        if json && markdown { throw ValidationError("choose one of --json and --markdown") }
    }

    func run() async throws {
        let context = makeContext()
        if context.python == nil && !json { print("Python peers: \(context.pythonMissingReason)") }
        #if DEBUG
        if !json { print("Note: this is a debug build; use `swift run -c release par bench` for real numbers.") }
        #endif
        let selected = suites.isEmpty ? BenchSuite.all : suites.compactMap { name in
            BenchSuite.named.first { $0.name == name }
        }
        var rows: [BenchRow] = []
        for suite in selected {
            context.progress("suite \(suite.name)")
            rows += try await suite.run(context)
        }
        context.line.finish()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        } else {
            print(BenchTable(rows: rows).render(markdown: markdown))
        }
    }

    private func makeContext() -> BenchContext {
        if noPython {
            return BenchContext(quick: quick, python: nil, pythonMissingReason: "skipped (--no-python)", line: ProgressLine())
        }
        switch PythonPeer.locate() {
        case .success(let peer): return BenchContext(quick: quick, python: peer, pythonMissingReason: "", line: ProgressLine())
        case .failure(let why): return BenchContext(quick: quick, python: nil, pythonMissingReason: why.reason, line: ProgressLine())
        }
    }
}
