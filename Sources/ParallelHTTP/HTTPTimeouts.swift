/// How long a request may take, phase by phase (aiohttp's `ClientTimeout`).
///
/// `nil` means no limit for that phase. Each limit applies to one attempt; retries
/// (``HTTPRetryPolicy``) start each attempt with fresh limits.
///
/// ```swift
/// var configuration = HTTPSessionConfiguration()
/// configuration.timeouts = HTTPTimeouts(connect: .seconds(2), read: .seconds(5), total: .seconds(30))
/// ```
public struct HTTPTimeouts: Sendable, Hashable {
    /// Which limit expired, carried by ``HTTPError/timeout(_:url:)``.
    ///
    /// ```swift
    /// if case .timeout(.connect, let url) = error { print("could not connect to \(url) in time") }
    /// ```
    public enum Kind: String, Sendable, Hashable, CustomStringConvertible {
        /// Opening the connection (aiohttp's `sock_connect`).
        case connect
        /// Waiting for the next bytes from the server (aiohttp's `sock_read`).
        case read
        /// The whole attempt, from sending the request to the last byte of the body (aiohttp's `total`).
        case total

        /// The name, as in `HTTPTimeouts.connect`.
        public var description: String { rawValue }
    }

    /// The longest time to open a connection (TCP and TLS handshakes).
    public var connect: Duration?
    /// The longest time the server may go without sending bytes while a response is expected.
    public var read: Duration?
    /// The longest time one attempt may take, body included (aiohttp's `total`). For `get`, `post`
    /// and `request` an attempt is one hop: each redirect and each retry gets the limit afresh
    /// (aiohttp's `total` covers the whole call, redirects included; wrap the call in
    /// Parallel's `withTimeout` for that). For
    /// ``HTTPSession/stream(_:_:headers:body:basicAuth:maxBytes:isolation:_:)`` it bounds the whole call:
    /// retries and redirects of the head, then the handler reading the body; when it expires the
    /// handler is cancelled and the call throws ``HTTPError/timeout(_:url:)`` with `.total`.
    public var total: Duration?

    /// Creates the limits; the defaults are aiohttp's: 30 s to connect, 5 minutes in all, no read limit.
    ///
    /// ```swift
    /// let quick = HTTPTimeouts(connect: .seconds(1), total: .seconds(5))
    /// ```
    public init(connect: Duration? = .seconds(30), read: Duration? = nil, total: Duration? = .seconds(300)) {
        self.connect = connect
        self.read = read
        self.total = total
    }
}
