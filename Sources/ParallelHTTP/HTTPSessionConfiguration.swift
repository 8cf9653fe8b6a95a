import Parallel

@_exported import struct NIOHTTP1.HTTPHeaders
@_exported import enum NIOHTTP1.HTTPMethod
@_exported import enum NIOHTTP1.HTTPResponseStatus

/// How an ``HTTPSession`` connects, waits, redirects, retries and reports (aiohttp's `ClientSession`
/// and `TCPConnector` arguments).
///
/// ```swift
/// var configuration = HTTPSessionConfiguration()
/// configuration.maxConnections = 20            // TCPConnector(limit=20)
/// configuration.maxConnectionsPerHost = 5      // limit_per_host=5
/// configuration.headers = ["User-Agent": "crawler/1.0"]
/// configuration.raiseForStatus = true
/// try await withHTTPSession(configuration: configuration) { session in … }
/// ```
public struct HTTPSessionConfiguration: Sendable {
    /// The most requests in flight at once across all hosts, each holding one connection
    /// (aiohttp's `limit`, default 100). Further requests wait for a free slot, in arrival order.
    public var maxConnections: Int
    /// The most connections to one host (scheme, host and port); `nil` means ``maxConnections``
    /// (aiohttp's `limit_per_host`, where 0 means no separate limit).
    public var maxConnectionsPerHost: Int?
    /// Connect, read and total time limits.
    public var timeouts: HTTPTimeouts
    /// Headers sent with every request; a request's own header of the same name replaces them.
    /// `User-Agent: Parallel/<version>` (``defaultUserAgent``) and `Accept: */*` are added unless
    /// these headers or the request's set them.
    public var headers: HTTPHeaders
    /// Credentials sent as HTTP Basic authentication with every request (aiohttp's
    /// `ClientSession(auth=BasicAuth(...))`); a request's own `basicAuth:` or the URL's
    /// `user:password@` replace them.
    public var basicAuth: HTTPBasicAuth?
    /// Redirects followed per request (aiohttp's `max_redirects`, default 10); 0 returns the 3xx as is.
    public var maxRedirects: Int
    /// Whether a 4xx or 5xx answer throws ``HTTPError/status(code:reason:url:)`` (aiohttp's
    /// `raise_for_status`); when `false`, it is returned like any other response.
    public var raiseForStatus: Bool
    /// Whether https certificates are verified against the system's trust roots and the host name.
    /// On by default; turn it off only for a server you control (aiohttp's `ssl=False`).
    public var verifyTLS: Bool
    /// Retries of idempotent requests; none by default, as in aiohttp.
    public var retry: HTTPRetryPolicy
    /// The largest body a buffered response (``HTTPResponse``) may hold, in bytes (64 MiB by default);
    /// larger ones throw ``HTTPError/bodyTooLarge(limit:)``.
    public var maxBodySize: Int
    /// The most bytes a gzip or deflate body may inflate to (64 MiB by default); past it the request
    /// throws ``HTTPError/decompressedBodyTooLarge(limit:)``, so a small decompression bomb cannot
    /// fill memory. Compressed bodies are decoded, and `Accept-Encoding: gzip, deflate` sent, by default
    /// (as aiohttp).
    public var maxDecompressedSize: Int

    /// The version of this package, as sent in ``defaultUserAgent``.
    ///
    /// ```swift
    /// print(HTTPSessionConfiguration.packageVersion)   // e.g. "0.1.0"
    /// ```
    public static let packageVersion = "0.1.0"

    /// The `User-Agent` sent unless one is set: `Parallel/` and ``packageVersion``.
    ///
    /// ```swift
    /// configuration.headers = ["User-Agent": "crawler/1.0 " + HTTPSessionConfiguration.defaultUserAgent]
    /// ```
    public static let defaultUserAgent = "Parallel/\(packageVersion)"

    /// Creates a configuration; every argument has aiohttp's default. Fields out of range are
    /// refused by ``HTTPSession/init(configuration:clock:logger:metrics:tracer:)`` with an `InvalidArgumentError`.
    ///
    /// ```swift
    /// let configuration = HTTPSessionConfiguration(maxConnections: 10, retry: .standard)
    /// ```
    public init(
        maxConnections: Int = 100,
        maxConnectionsPerHost: Int? = nil,
        timeouts: HTTPTimeouts = HTTPTimeouts(),
        headers: HTTPHeaders = [:],
        basicAuth: HTTPBasicAuth? = nil,
        maxRedirects: Int = 10,
        raiseForStatus: Bool = false,
        verifyTLS: Bool = true,
        retry: HTTPRetryPolicy = .none,
        maxBodySize: Int = 64 << 20,
        maxDecompressedSize: Int = 64 << 20
    ) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.timeouts = timeouts
        self.headers = headers
        self.basicAuth = basicAuth
        self.maxRedirects = maxRedirects
        self.raiseForStatus = raiseForStatus
        self.verifyTLS = verifyTLS
        self.retry = retry
        self.maxBodySize = maxBodySize
        self.maxDecompressedSize = maxDecompressedSize
    }

    /// Throws for the first field out of range, named as `configuration.<field>`.
    func validate() throws(InvalidArgumentError) {
        try InvalidArgumentError.check("configuration.maxConnections", maxConnections, atLeast: 1)
        try InvalidArgumentError.check("configuration.maxConnectionsPerHost", maxConnectionsPerHost, atLeast: 1)
        try InvalidArgumentError.checkPositive("configuration.timeouts.connect", timeouts.connect)
        try InvalidArgumentError.checkPositive("configuration.timeouts.read", timeouts.read)
        try InvalidArgumentError.checkPositive("configuration.timeouts.total", timeouts.total)
        try InvalidArgumentError.check("configuration.maxRedirects", maxRedirects, atLeast: 0)
        try InvalidArgumentError.check("configuration.retry.maxAttempts", retry.maxAttempts, atLeast: 1)
        try InvalidArgumentError.checkNonNegative("configuration.retry.maxRetryAfter", retry.maxRetryAfter)
        try InvalidArgumentError.check("configuration.maxBodySize", maxBodySize, atLeast: 0)
        try InvalidArgumentError.check("configuration.maxDecompressedSize", maxDecompressedSize, atLeast: 0)
    }
}
