/// Runs `body`, cancelling it and throwing ``TimeoutError`` if it has not finished after `duration`
/// on `clock` (Python's `asyncio.timeout(delay)` and `asyncio.wait_for(aw, timeout)`).
///
/// The body runs as a child task: when time is up it is cancelled and awaited, so it never outlives
/// this call (a body that ignores cancellation delays the `TimeoutError` until it returns). An error
/// thrown by the body is rethrown as is; cancelling the caller cancels the body and throws
/// `CancellationError`. Any `Clock` works, so tests can drive time with a manual clock.
///
/// - Throws: ``InvalidArgumentError`` before `body` starts if `duration` is negative (zero: the body
///   is cancelled at once).
///
/// ```swift
/// let page = try await withTimeout(.seconds(2), clock: ContinuousClock()) {
///     try await fetch(url)
/// }
/// ```
public func withTimeout<C: Clock, T: Sendable>(
    _ duration: C.Instant.Duration,
    tolerance: C.Instant.Duration? = nil,
    clock: C,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try InvalidArgumentError.checkNonNegative("duration", duration)
    return try await race(body, limit: "\(duration)") {
        try await clock.sleep(until: clock.now.advanced(by: duration), tolerance: tolerance)
    }
}

/// Runs `body`, cancelling it and throwing ``TimeoutError`` if it has not finished after `duration`
/// on the continuous clock (Python's `asyncio.timeout(delay)`).
///
/// - Throws: ``InvalidArgumentError`` before `body` starts if `duration` is negative.
///
/// ```swift
/// let page = try await withTimeout(.seconds(2)) { try await fetch(url) }
/// ```
public func withTimeout<T: Sendable>(
    _ duration: Duration,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withTimeout(duration, clock: ContinuousClock(), body)
}

/// Runs `body`, cancelling it and throwing ``TimeoutError`` if it has not finished by `deadline` on
/// `clock` (Python's `asyncio.timeout_at(when)`).
///
/// Behaves as ``withTimeout(_:tolerance:clock:_:)``; a deadline already passed still starts the body
/// and cancels it at once.
///
/// ```swift
/// let clock = ContinuousClock()
/// let deadline = clock.now.advanced(by: .seconds(5))
/// let a = try await withDeadline(deadline, clock: clock) { try await stepOne() }
/// let b = try await withDeadline(deadline, clock: clock) { try await stepTwo(a) }
/// ```
public func withDeadline<C: Clock, T: Sendable>(
    _ deadline: C.Instant,
    tolerance: C.Instant.Duration? = nil,
    clock: C,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await race(body, limit: "the deadline \(deadline)") {
        try await clock.sleep(until: deadline, tolerance: tolerance)
    }
}

/// Races `body` against `sleep`; the loser is cancelled and awaited.
private func race<T: Sendable>(
    _ body: @escaping @Sendable () async throws -> T,
    limit: String,
    sleep: @escaping @Sendable () async throws -> Void
) async throws -> T {
    try await withThrowingTaskGroup(of: RaceOutcome<T>.self) { group in
        group.addTask { .finished(try await body()) }
        group.addTask {
            try await sleep()
            return .timedOut
        }
        defer { group.cancelAll() }
        switch try await group.next() {
        case .finished(let value): return value
        case .timedOut, nil: throw TimeoutError(limit: limit)
        }
    }
}

/// Who won the race in `race(_:limit:sleep:)`.
private enum RaceOutcome<T: Sendable>: Sendable {
    case finished(T)
    case timedOut
}
