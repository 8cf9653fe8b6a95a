/// One of the seed document's examples, rebuilt with Parallel.
struct Demo: Sendable {
    /// The name on the command line: `par demo <name>`.
    let name: String
    /// One line for `par demo --help`.
    let summary: String
    /// Runs the example, printing what the seed's Python program prints.
    let run: @Sendable () async throws -> Void

    /// Every demo, in the order of the seed document.
    static let all: [Demo] = [
        .process,
        .pool,
        .futures,
        .threads,
        .asyncio,
        .http,
        .generator,
        .hybrid,
    ]
}
