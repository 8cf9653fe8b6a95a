import ArgumentParser
import Parallel

/// `par`: runs the seed's examples (`par demo`) and measures every tool side by side (`par bench`).
@main
struct Par: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "par",
        abstract: "Python's parallel and asynchronous toolbox, in Swift: demos and benchmarks.",
        subcommands: [DemoCommand.self, BenchCommand.self, ServeCommand.self]
    )
}
