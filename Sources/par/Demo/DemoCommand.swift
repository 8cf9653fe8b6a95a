import ArgumentParser

/// `par demo [name…]`: runs the seed's examples, all of them in order or the ones named.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the seed document's examples in Swift.",
        discussion: "Examples: " + Demo.all.map { "\($0.name) (\($0.summary))" }.joined(separator: "; ")
            + "; hosts (the pool and hybrid examples with workers on other hosts over ssh: --host, needs this program at the same path there)"
    )

    @Argument(help: "Examples to run, in order; all but hosts when none is named.")
    var names: [String] = []

    @Option(name: .customLong("host"), help: "For the hosts demo: an ssh destination that runs workers (repeat for more hosts).")
    var destinations: [String] = []

    @Option(name: .customLong("ssh-config"), help: "For the hosts demo: an ssh_config file to use instead of ~/.ssh/config.")
    var sshConfig: String?

    @Option(help: "For the hosts demo: workers on each host.")
    var workersPerHost = 2

    func validate() throws {
        let known = Set(Demo.all.map(\.name) + ["hosts"])
        for name in names where !known.contains(name) {
            throw ValidationError(
                "unknown demo '\(name)'; choose from: \((Demo.all.map(\.name) + ["hosts"]).joined(separator: ", "))"
            )
        }
        if names.contains("hosts") && destinations.isEmpty {
            throw ValidationError("the hosts demo needs at least one --host (an ssh destination where this program is at the same path)")
        }
        guard workersPerHost >= 1 else { throw ValidationError("--workers-per-host must be at least 1, not \(workersPerHost)") }
    }

    func run() async throws {
        let hosts = try Demo.hosts(destinations, sshOptions: sshConfig.map { ["-F", $0] } ?? [], workersPerHost: workersPerHost)
        let selected = names.isEmpty ? Demo.all : names.compactMap { name in name == "hosts" ? hosts : Demo.all.first { $0.name == name } }
        for demo in selected {
            print("== \(demo.name): \(demo.summary)")
            try await demo.run()
            print()
        }
    }
}
