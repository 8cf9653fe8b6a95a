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

    /// The tasks `par`'s own worker processes run (demos and benchmarks).
    static let tasks = TaskRegistry(ParTasks.all)

    /// Serves worker mode first (a `par` started by a process pool runs tasks and exits), then parses
    /// the command line.
    static func main() async {
        await ProcessWorker.serveIfRequested(tasks)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
