/// Runs `body`, cancelling it and throwing ``TimeoutError`` if it has not finished after `duration`
/// on `clock` (Python's `asyncio.timeout(delay)` and `asyncio.wait_for(aw, timeout)`).
///
/// The body runs as a child task: when time is up it is cancelled and awaited, so it never outlives
/// this call (a body that ignores cancellation delays the outcome until it returns). What this call
/// then returns or throws follows asyncio's rule:
///
/// - the body ends with `CancellationError`: ``TimeoutError`` is thrown;
/// - the body throws another error while it is being cancelled (a failed cleanup, say): that error
///   is rethrown, not `TimeoutError`;
/// - the body catches the cancellation and returns a value: that value is returned;
/// - the caller is cancelled too, before the body ends: the body's outcome is passed through as is
///   (`CancellationError` rather than `TimeoutError`).
///
/// Before the deadline, the body's value or error is passed through as is; cancelling the caller
/// cancels the body, and its outcome (usually `CancellationError`) is passed through too. Any
/// `Clock` works, so tests can drive time with a manual clock.
///
/// `body` runs in the caller's isolation (`isolation`, the caller's actor by default), so a
/// main-actor or actor-isolated caller passes an ordinary closure that may use its state; only the
/// timer runs elsewhere.
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
    isolation: isolated (any Actor)? = #isolation,
    _ body: () async throws -> T
) async throws -> T {
    try InvalidArgumentError.checkNonNegative("duration", duration)
    return try await withoutActuallyEscaping(body) { body in
        try await race(CallerIsolatedOperation(body), isolation: isolation, limit: "\(duration)") {
            try await clock.sleep(until: clock.now.advanced(by: duration), tolerance: tolerance)
        }
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
    isolation: isolated (any Actor)? = #isolation,
    _ body: () async throws -> T
) async throws -> T {
    try await withTimeout(duration, clock: ContinuousClock(), body)
}

/// Runs `body`, cancelling it and throwing ``TimeoutError`` if it has not finished by `deadline` on
/// `clock` (Python's `asyncio.timeout_at(when)`).
///
/// Behaves as ``withTimeout(_:tolerance:clock:isolation:_:)`` (the body runs in the caller's
/// isolation), with the same rule for what happens at the deadline; a deadline already passed still
/// starts the body and cancels it at once.
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
    isolation: isolated (any Actor)? = #isolation,
    _ body: () async throws -> T
) async throws -> T {
    try await withoutActuallyEscaping(body) { body in
        try await race(CallerIsolatedOperation(body), isolation: isolation, limit: "the deadline \(deadline)") {
            try await clock.sleep(until: deadline, tolerance: tolerance)
        }
    }
}

/// Races `body`, run in the caller's isolation, against `sleep`; the body always has the last word. When `sleep` ends first the body
/// is cancelled and awaited; only a `CancellationError` that this cancellation produced becomes
/// ``TimeoutError``: CPython's `Timeout.__aexit__` converts the `CancelledError` it injected, and
/// nothing else, and not when the task has another cancel request pending (`uncancel() > cancelling`).
private func race<T: Sendable>(
    _ body: CallerIsolatedOperation<T>,
    isolation: isolated (any Actor)?,
    limit: String,
    sleep: @escaping @Sendable () async throws -> Void
) async throws -> T {
    try await withThrowingTaskGroup(of: RaceOutcome<T>.self) { group in
        group.addTask {
            do {
                return .finished(.success(try await body.run(isolation: isolation)))
            } catch {
                return .finished(.failure(error))
            }
        }
        group.addTask {
            do {
                try await sleep()
                return .timedOut
            } catch {
                // The caller was cancelled: the body, cancelled with it, reports.
                return .sleepInterrupted
            }
        }
        var deadlinePassed = false
        while let outcome = try await group.next() {
            switch outcome {
            case .timedOut:
                deadlinePassed = true
                group.cancelAll()
            case .sleepInterrupted:
                group.cancelAll()
            case .finished(let result):
                group.cancelAll()
                if deadlinePassed, case .failure(let error) = result, error is CancellationError, !Task.isCancelled {
                    throw TimeoutError(limit: limit)
                }
                return try result.get()
            }
        }
        // Not reached: the body's child always reports before the group is empty.
        throw CancellationError()
    }
}

/// What a child of `race(_:limit:sleep:)` reports.
private enum RaceOutcome<T: Sendable>: Sendable {
    /// The body ended, with this outcome.
    case finished(Result<T, any Error>)
    /// The time limit passed.
    case timedOut
    /// The sleep threw (the caller was cancelled) before the time limit.
    case sleepInterrupted
}
