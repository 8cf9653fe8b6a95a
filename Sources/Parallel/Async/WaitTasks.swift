/// Waits for some or all of `tasks` to finish and returns them split into done and pending, each in
/// the order given (Python's `asyncio.wait(tasks, timeout=…, return_when=…)`).
///
/// Nothing is cancelled: pending tasks go on running, as in Python; cancel them yourself if you no
/// longer need them. With a `timeout`, the wait ends after it on `clock` at the latest (without
/// throwing). Cancelling the caller ends the wait at once and returns what is done so far. Each task
/// is watched by a small helper task that lives until that task finishes.
///
/// - Throws: ``InvalidArgumentError`` before waiting if `timeout` is negative; nothing else.
///
/// ```swift
/// let tasks = mirrors.map { url in Task { try await fetch(url) } }
/// let (done, pending) = try await wait(tasks, returnWhen: .firstCompleted)
/// pending.forEach { $0.cancel() }
/// let page = try await done[0].value
/// ```
public func wait<Success: Sendable, Failure: Error, C: Clock>(
    _ tasks: [Task<Success, Failure>],
    timeout: C.Duration? = nil,
    clock: C,
    returnWhen condition: ReturnWhen = .allCompleted
) async throws(InvalidArgumentError) -> (done: [Task<Success, Failure>], pending: [Task<Success, Failure>]) {
    try InvalidArgumentError.checkNonNegative("timeout", timeout)
    let (finished, report) = AsyncStream.makeStream(of: (index: Int, failed: Bool).self)
    for (index, task) in tasks.enumerated() {
        Task {
            let result = await task.result
            if case .failure = result { report.yield((index, true)) } else { report.yield((index, false)) }
        }
    }
    let done = LockedValue(Set<Int>())
    let waiting: @Sendable () async throws -> Void = {
        guard !tasks.isEmpty else { return }
        for await (index, failed) in finished {
            let count = done.withLock { $0.insert(index); return $0.count }
            switch condition {
            case .firstCompleted: return
            case .firstException where failed: return
            case .firstException, .allCompleted: if count == tasks.count { return }
            }
        }
    }
    // Iterating an AsyncStream ends when the iterating task is cancelled, so cancellation and the
    // timeout both simply end the wait.
    if let timeout {
        _ = try? await withTimeout(timeout, clock: clock, waiting)
    } else {
        _ = try? await waiting()
    }
    let doneIndices = done.withLock { $0 }
    let split = tasks.indices.map { doneIndices.contains($0) }
    return (
        zip(tasks, split).filter { $0.1 }.map(\.0),
        zip(tasks, split).filter { !$0.1 }.map(\.0)
    )
}

/// ``wait(_:timeout:clock:returnWhen:)`` on the continuous clock.
///
/// ```swift
/// let (done, pending) = try await wait(tasks, timeout: .seconds(5))
/// ```
///
/// - Throws: ``InvalidArgumentError`` before waiting if `timeout` is negative; nothing else.
public func wait<Success: Sendable, Failure: Error>(
    _ tasks: [Task<Success, Failure>],
    timeout: Duration? = nil,
    returnWhen condition: ReturnWhen = .allCompleted
) async throws(InvalidArgumentError) -> (done: [Task<Success, Failure>], pending: [Task<Success, Failure>]) {
    try await wait(tasks, timeout: timeout, clock: ContinuousClock(), returnWhen: condition)
}
