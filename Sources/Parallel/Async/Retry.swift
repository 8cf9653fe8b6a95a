/// Runs `operation` until it succeeds, at most `maxAttempts` times, waiting on `clock` between
/// attempts as `backoff` says (exponential, with jitter), and only retrying errors `shouldRetry`
/// accepts (like Python's `tenacity.retry` or `backoff.on_exception`).
///
/// `CancellationError` is never retried, and cancellation during a wait throws at once. When the
/// attempts run out, or `shouldRetry` refuses an error, that last error is thrown as is.
///
/// - Throws: ``InvalidArgumentError`` before the first attempt if `maxAttempts` is less than 1.
///
/// ```swift
/// let data = try await retry(maxAttempts: 5, backoff: Backoff(initial: .milliseconds(200)), clock: ContinuousClock(),
///                            shouldRetry: { $0 is URLError }) {
///     try await fetch(url)
/// }
/// ```
public func retry<T, C: Clock>(
    maxAttempts: Int = 3,
    backoff: Backoff = .standard,
    clock: C,
    shouldRetry: (any Error) -> Bool = { _ in true },
    isolation: isolated (any Actor)? = #isolation,
    _ operation: () async throws -> T
) async throws -> T where C.Duration == Duration {
    try InvalidArgumentError.check("maxAttempts", maxAttempts, atLeast: 1)
    let attempts = maxAttempts
    var attempt = 1
    while true {
        do {
            return try await operation()
        } catch {
            guard attempt < attempts, !(error is CancellationError), shouldRetry(error) else { throw error }
        }
        try await clock.sleep(for: backoff.delay(beforeRetry: attempt))
        attempt += 1
    }
}

/// ``retry(maxAttempts:backoff:clock:shouldRetry:isolation:_:)`` on the continuous clock.
///
/// ```swift
/// let data = try await retry(maxAttempts: 3) { try await fetch(url) }
/// ```
public func retry<T>(
    maxAttempts: Int = 3,
    backoff: Backoff = .standard,
    shouldRetry: (any Error) -> Bool = { _ in true },
    isolation: isolated (any Actor)? = #isolation,
    _ operation: () async throws -> T
) async throws -> T {
    try await retry(maxAttempts: maxAttempts, backoff: backoff, clock: ContinuousClock(), shouldRetry: shouldRetry, operation)
}
