/// Blocks until `returnWhen` holds for `futures` or `timeout` passes, and splits them into done and
/// not done (Python's `concurrent.futures.wait`).
///
/// It never throws on timeout: look at `notDone`. Duplicates count once. Use the `async` overload
/// from async code.
///
/// - Throws: ``InvalidArgumentError`` if `timeout` is negative (zero: split them now, do not wait).
///
/// ```swift
/// let (done, notDone) = try wait(for: futures, timeout: .seconds(2), returnWhen: .firstException)
/// for future in done { if let error = future.error { print("failed:", error) } }
/// ```
@available(*, noasync, message: "blocks the thread; use the async overload in async code")
public func wait<Value: Sendable>(
    for futures: some Sequence<Future<Value>>,
    timeout: Duration? = nil,
    returnWhen: ReturnWhen = .allCompleted
) throws(InvalidArgumentError) -> (done: Set<Future<Value>>, notDone: Set<Future<Value>>) {
    try InvalidArgumentError.checkNonNegative("timeout", timeout)
    let waiter = CompletionWaiter(watching: futures)
    let deadline = Deadline.after(timeout)
    waiting: while true {
        switch waiter.next(until: deadline) {
        case .completed(let future):
            if returnWhen.isSatisfied(by: future) { break waiting }
        case .exhausted, .timedOut:
            break waiting
        }
    }
    waiter.stopWatching()
    return split(waiter.futures)
}

/// Suspends until `returnWhen` holds for `futures` or `timeout` passes on `clock`, and splits them
/// into done and not done: the async twin of ``wait(for:timeout:returnWhen:)``.
///
/// - Throws: `CancellationError` if the waiting task is cancelled (the futures are not cancelled);
///   ``InvalidArgumentError`` if `timeout` is negative.
///
/// ```swift
/// let (done, _) = try await wait(for: futures, timeout: .seconds(2), returnWhen: .firstCompleted)
/// ```
public func wait<Value: Sendable, C: Clock>(
    for futures: some Sequence<Future<Value>>,
    timeout: Duration? = nil,
    returnWhen: ReturnWhen = .allCompleted,
    clock: C = ContinuousClock()
) async throws -> (done: Set<Future<Value>>, notDone: Set<Future<Value>>) where C.Duration == Duration {
    try InvalidArgumentError.checkNonNegative("timeout", timeout)
    let waiter = CompletionWaiter(watching: futures)
    let expiry = WaiterExpiry(waiter: waiter, timeout: timeout, clock: clock)
    do {
        while let future = try await waiter.next(timeout: timeout ?? .zero) {
            if returnWhen.isSatisfied(by: future) { break }
        }
    } catch FutureError.timedOut {
        // Timed out: report what is done so far.
    }
    withExtendedLifetime(expiry) {}
    waiter.stopWatching()
    return split(waiter.futures)
}

extension ReturnWhen {
    /// Whether the wait may return now that `future` completed.
    func isSatisfied<Value>(by future: Future<Value>) -> Bool {
        switch self {
        case .firstCompleted: return true
        case .firstException: return future.error != nil && !future.isCancelled
        case .allCompleted: return false
        }
    }
}

private func split<Value>(_ futures: [Future<Value>]) -> (done: Set<Future<Value>>, notDone: Set<Future<Value>>) {
    var done = Set<Future<Value>>()
    var notDone = Set<Future<Value>>()
    for future in futures {
        if future.isDone { done.insert(future) } else { notDone.insert(future) }
    }
    return (done, notDone)
}
