import Foundation
import NIOHTTP1
import Parallel

/// When and how an ``HTTPSession`` tries a request again.
///
/// Only idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE, TRACE) are retried, so a retry can never
/// apply a POST twice. An attempt is retried when its connection was refused or broke, when connecting
/// timed out, or when the server answered 429 or 5xx; the wait before retry *n* is the server's
/// `Retry-After` (seconds or an HTTP-date; capped by ``maxRetryAfter``) if it sent one, else ``backoff``'s delay
/// (exponential with jitter). After ``maxAttempts`` attempts the last answer (or error) is returned.
/// aiohttp has no retries; this is what `aiohttp-retry`'s `ExponentialRetry` adds.
///
/// ```swift
/// var configuration = HTTPSessionConfiguration()
/// configuration.retry = HTTPRetryPolicy(maxAttempts: 4, backoff: try Backoff(initial: .milliseconds(200)))
/// ```
public struct HTTPRetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included; 1 means no retries.
    public var maxAttempts: Int
    /// The wait before each retry when the server sent no `Retry-After`.
    public var backoff: Backoff
    /// The longest `Retry-After` honoured; longer ones are shortened to this.
    public var maxRetryAfter: Duration

    /// Creates a policy. ``HTTPSession/init(configuration:clock:logger:metrics:tracer:)`` refuses a `maxAttempts` below 1 or
    /// a negative `maxRetryAfter` with an `InvalidArgumentError`.
    ///
    /// ```swift
    /// let patient = HTTPRetryPolicy(maxAttempts: 5)
    /// ```
    public init(maxAttempts: Int = 3, backoff: Backoff = .standard, maxRetryAfter: Duration = .seconds(60)) {
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.maxRetryAfter = maxRetryAfter
    }

    /// No retries: every request is attempted once (aiohttp's behaviour, and the default).
    ///
    /// ```swift
    /// configuration.retry = .none
    /// ```
    public static let none = HTTPRetryPolicy(maxAttempts: 1)

    /// Three attempts with `Backoff.standard` (100 ms, 200 ms, with jitter).
    ///
    /// ```swift
    /// configuration.retry = .standard
    /// ```
    public static let standard = HTTPRetryPolicy()

    /// Whether `method` may be sent again without changing the outcome (RFC 9110 §9.2.2).
    static func isIdempotent(_ method: HTTPMethod) -> Bool {
        switch method {
        case .GET, .HEAD, .OPTIONS, .PUT, .DELETE, .TRACE: return true
        default: return false
        }
    }

    /// Whether a response with this status is worth another attempt.
    static func isRetryable(status code: Int) -> Bool {
        code == 429 || (500...599).contains(code)
    }

    /// The wait a `Retry-After` header asks for, capped: a number of seconds, or an HTTP-date less the
    /// wall-clock time `now` (seconds since 1970); `nil` if absent or unreadable (the backoff applies).
    func retryAfter(_ headers: HTTPHeaders, now: Double = Date().timeIntervalSince1970) -> Duration? {
        guard let value = headers.first(name: "retry-after")?.trimmingWhitespace() else { return nil }
        if let seconds = Int(value) {
            return min(.seconds(max(0, seconds)), maxRetryAfter)
        }
        guard let date = HTTPDate(value) else { return nil }
        return min(.seconds(max(0, Double(date.secondsSince1970) - now)), maxRetryAfter)
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces and tabs.
    func trimmingWhitespace() -> Substring {
        let text = Substring(self)
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = text.firstIndex(where: { !isSpace($0) }),
            let end = text.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return text[start...end]
    }
}
