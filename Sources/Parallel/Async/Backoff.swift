#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How long to wait before each retry: exponential growth, a ceiling, and random jitter.
///
/// Shared by ``retry(maxAttempts:backoff:shouldRetry:isolation:_:)`` in the async toolkit and by `ParallelHTTP`'s request retries. The delay before
/// retry number `n` (counting from 1) is `min(maximum, initial × multiplier^(n-1))`, then jittered:
/// with `jitter` = 0.5, the delay is drawn uniformly from 50 % to 100 % of that value ("equal jitter",
/// which spreads retries of many clients apart without ever waiting much less than planned).
///
/// ```swift
/// let backoff = try Backoff(initial: .milliseconds(100), multiplier: 2, maximum: .seconds(5), jitter: 0.5)
/// let wait = backoff.delay(beforeRetry: 3)   // between 200 ms and 400 ms
/// ```
public struct Backoff: Sendable, Hashable {
    /// The delay before the first retry (before jitter).
    public let initial: Duration
    /// The factor each further retry multiplies the delay by; 1 keeps it constant.
    public let multiplier: Double
    /// The largest delay (before jitter).
    public let maximum: Duration
    /// The fraction of each delay that is random, from 0 (none) to 1 (anywhere from zero to the delay).
    public let jitter: Double

    /// Creates a backoff policy.
    ///
    /// - Throws: ``InvalidArgumentError`` if `initial` is negative, `multiplier` is below 1,
    ///   `maximum` is below `initial`, or `jitter` is outside 0…1.
    ///
    /// ```swift
    /// let constant = try Backoff(initial: .seconds(1), multiplier: 1, jitter: 0)
    /// ```
    public init(
        initial: Duration = .milliseconds(100),
        multiplier: Double = 2,
        maximum: Duration = .seconds(30),
        jitter: Double = 0.5
    ) throws(InvalidArgumentError) {
        try InvalidArgumentError.checkNonNegative("initial", initial)
        guard multiplier >= 1 else {
            throw InvalidArgumentError(argument: "multiplier", value: "\(multiplier)", expected: "at least 1")
        }
        guard maximum >= initial else {
            throw InvalidArgumentError(argument: "maximum", value: "\(maximum)", expected: "at least initial (\(initial))")
        }
        guard (0...1).contains(jitter) else {
            throw InvalidArgumentError(argument: "jitter", value: "\(jitter)", expected: "between 0 and 1")
        }
        self.init(valid: initial, multiplier: multiplier, maximum: maximum, jitter: jitter)
    }

    private init(valid initial: Duration, multiplier: Double, maximum: Duration, jitter: Double) {
        self.initial = initial
        self.multiplier = multiplier
        self.maximum = maximum
        self.jitter = jitter
    }

    /// The default: 100 ms, doubling, at most 30 s, half of each delay random.
    ///
    /// ```swift
    /// let delay = Backoff.standard.delay(beforeRetry: 1)
    /// ```
    public static let standard = Backoff(valid: .milliseconds(100), multiplier: 2, maximum: .seconds(30), jitter: 0.5)

    /// The delay before retry number `retry` (1 for the first retry), with jitter drawn from `generator`.
    ///
    /// ```swift
    /// var rng = SystemRandomNumberGenerator()
    /// let delay = Backoff.standard.delay(beforeRetry: 2, using: &rng)
    /// ```
    public func delay<G: RandomNumberGenerator>(beforeRetry retry: Int, using generator: inout G) -> Duration {
        let base = delayWithoutJitter(beforeRetry: retry)
        guard jitter > 0, base > .zero else { return base }
        let fraction = 1 - jitter * Double.random(in: 0...1, using: &generator)
        return base * fraction
    }

    /// The delay before retry number `retry` (1 for the first retry), with system-random jitter.
    ///
    /// ```swift
    /// try await Task.sleep(for: Backoff.standard.delay(beforeRetry: 1))
    /// ```
    public func delay(beforeRetry retry: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(beforeRetry: retry, using: &generator)
    }

    /// The delay before retry number `retry` without jitter: `min(maximum, initial × multiplier^(retry-1))`.
    ///
    /// ```swift
    /// try Backoff(initial: .seconds(1)).delayWithoutJitter(beforeRetry: 3)   // 4 seconds
    /// ```
    public func delayWithoutJitter(beforeRetry retry: Int) -> Duration {
        let exponent = Double(max(0, retry - 1))
        let factor = pow(multiplier, exponent)
        let maximumSeconds = Self.seconds(maximum)
        let seconds = Self.seconds(initial) * factor
        guard seconds.isFinite, seconds < maximumSeconds else { return maximum }
        return initial * factor
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (whole, atto) = duration.components
        return Double(whole) + Double(atto) / 1e18
    }
}
