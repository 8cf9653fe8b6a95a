import ArgumentParser

/// `par demo [name…]`: runs the seed's examples, all of them in order or the ones named.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the seed document's examples in Swift.",
        discussion: "Examples: " + Demo.all.map { "\($0.name) (\($0.summary))" }.joined(separator: "; ")
    )

    @Argument(help: "Examples to run, in order; all of them when none is named.")
    var names: [String] = []

    func validate() throws {
        let known = Set(Demo.all.map(\.name))
        for name in names where !known.contains(name) {
            throw ValidationError(
                "unknown demo '\(name)'; choose from: \(Demo.all.map(\.name).joined(separator: ", "))"
            )
        }
    }

    func run() async throws {
        let selected = names.isEmpty ? Demo.all : names.compactMap { name in Demo.all.first { $0.name == name } }
        for demo in selected {
            print("== \(demo.name): \(demo.summary)")
            try await demo.run()
            print()
        }
    }
}
