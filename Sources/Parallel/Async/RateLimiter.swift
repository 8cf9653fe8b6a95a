/// A token bucket: lets through at most `permits` acquisitions per `interval` on average, with bursts
/// of up to `burst` (like `aiolimiter.AsyncLimiter` in Python, Go's `rate.Limiter`).
///
/// The bucket starts full. Each ``acquire()`` takes a token, waiting on the clock until one has
/// accumulated; callers are served in the order they arrive (each reserves the next token, then
/// sleeps until it is due). A caller cancelled while waiting throws `CancellationError` and gives its
/// reserved token back.
///
/// ```swift
/// let limiter = try RateLimiter(permits: 10, per: .seconds(1), clock: ContinuousClock())
/// for url in urls {
///     try await limiter.acquire()   // at most 10 requests a second
///     try await fetch(url)
/// }
/// ```
public final class RateLimiter<C: Clock>: Sendable where C.Duration == Duration {
    private let clock: C
    private let tokenInterval: Duration
    private let burst: Int
    /// Tokens in the bucket (negative: reserved by waiters) as of `updated`.
    private let bucket: LockedValue<(tokens: Double, updated: C.Instant)>

    /// Creates a limiter of `permits` per `interval`, holding up to `burst` tokens (default: `permits`).
    ///
    /// - Throws: ``InvalidArgumentError`` if `permits` or `burst` is less than 1 or `interval` is not
    ///   more than zero.
    ///
    /// ```swift
    /// let limiter = try RateLimiter(permits: 5, per: .seconds(1), burst: 1, clock: ContinuousClock())
    /// ```
    public init(permits: Int, per interval: Duration, burst: Int? = nil, clock: C) throws(InvalidArgumentError) {
        try InvalidArgumentError.check("permits", permits, atLeast: 1)
        try InvalidArgumentError.checkPositive("interval", interval)
        try InvalidArgumentError.check("burst", burst, atLeast: 1)
        self.clock = clock
        // A tiny interval over many permits may round down to zero: one nanosecond is the clock's grain.
        tokenInterval = max(.nanoseconds(1), interval / permits)
        self.burst = burst ?? permits
        bucket = LockedValue((Double(burst ?? permits), clock.now))
    }

    /// Takes a token, waiting until one is due.
    ///
    /// - Throws: `CancellationError` if cancelled while waiting (the token is given back).
    ///
    /// ```swift
    /// try await limiter.acquire()
    /// ```
    public func acquire() async throws {
        let wait = bucket.withLock { bucket -> Duration in
            refill(&bucket)
            bucket.tokens -= 1
            return bucket.tokens >= 0 ? .zero : tokenInterval * -bucket.tokens
        }
        guard wait > .zero else { return }
        do {
            try await clock.sleep(for: wait)
        } catch {
            bucket.withLock { $0.tokens += 1 }
            throw error
        }
    }

    /// Takes a token if one is available right now, without waiting.
    ///
    /// ```swift
    /// guard limiter.tryAcquire() else { throw TooManyRequests() }
    /// ```
    public func tryAcquire() -> Bool {
        bucket.withLock { bucket in
            refill(&bucket)
            guard bucket.tokens >= 1 else { return false }
            bucket.tokens -= 1
            return true
        }
    }

    /// Adds the tokens earned since the last update, up to the burst.
    private func refill(_ bucket: inout (tokens: Double, updated: C.Instant)) {
        let now = clock.now
        let earned = bucket.updated.duration(to: now) / tokenInterval
        bucket.tokens = min(Double(burst), bucket.tokens + max(0, earned))
        bucket.updated = now
    }
}
