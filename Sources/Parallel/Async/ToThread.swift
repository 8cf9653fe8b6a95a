/// Runs blocking `body` on a dedicated thread of ``ThreadPoolExecutor/shared`` while the calling task
/// suspends, and returns its value (Python's `asyncio.to_thread`).
///
/// Use it for work that blocks a thread — a C library, `read(2)`, a long computation under a lock — so
/// Swift's cooperative pool, which has only as many threads as cores, keeps serving other tasks.
/// If the calling task is cancelled before `body` starts, `body` never runs and `CancellationError` is
/// thrown; once started, `body` runs to its end (a thread cannot be interrupted safely).
/// Pass `executor:` to use a pool of your own, e.g. one with a limit that suits a database driver.
///
/// ```swift
/// let text = try await toThread { try String(contentsOfFile: "/etc/hostname", encoding: .utf8) }
/// ```
public func toThread<Value: Sendable>(
    on executor: ThreadPoolExecutor = .shared,
    _ body: @escaping @Sendable () throws -> Value
) async throws -> Value {
    try await executor.run(body)
}
