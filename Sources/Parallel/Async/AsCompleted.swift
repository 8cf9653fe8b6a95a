/// Runs every operation at once and yields their values in the order they finish (Python's
/// `asyncio.as_completed`).
///
/// The operations start when iteration starts, as child tasks of the generator's task. The first
/// operation to throw ends the sequence with its error and cancels the rest. Stopping the iteration
/// early (or cancelling the consumer) cancels the operations still running. To know which operation
/// a value came from, return the index or key with it.
///
/// ```swift
/// let fetches = urls.map { url in { @Sendable in (url, try await fetch(url)) } }
/// for try await (url, page) in asCompleted(fetches) {
///     print("\(url) finished: \(page.count) bytes")
/// }
/// ```
public func asCompleted<T: Sendable>(
    _ operations: [@Sendable () async throws -> T]
) -> AsyncGenerator<T, any Error> {
    AsyncGenerator { yield in
        try await withThrowingTaskGroup(of: T.self) { group in
            for operation in operations { group.addTask(operation: operation) }
            while let value = try await group.next() { try await yield(value) }
        }
    }
}
