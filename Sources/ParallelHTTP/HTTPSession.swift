import AsyncHTTPClient
import CoreMetrics
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Parallel
import Tracing

/// A pool of HTTP connections with limits, timeouts and retries, on AsyncHTTPClient (aiohttp's
/// `ClientSession`).
///
/// Make one per program or per batch of work, share it between tasks (it is `Sendable`), and end it:
/// either scoped with ``withHTTPSession(configuration:clock:logger:metrics:tracer:isolation:_:)``, or with ``shutdown()``.
/// Shutting down ends every request and closes every connection: when ``shutdown()`` returns, each
/// connection has been closed on the session's side, but the sockets may take a few milliseconds more
/// to be gone (so a server can briefly still count them as open), as with AsyncHTTPClient's own
/// shutdown. A session dropped without ``shutdown()`` starts its shutdown when it is deinitialised, so
/// connections are never leaked, only closed later.
///
/// Every call throws ``HTTPError``; requests in flight at once are bounded by
/// ``HTTPSessionConfiguration/maxConnections`` (in arrival order) and, per host, by
/// ``HTTPSessionConfiguration/maxConnectionsPerHost``. Cancelling the calling task cancels the
/// request and throws ``HTTPError/cancelled``.
///
/// ```swift
/// let session = try HTTPSession()
/// let response = try await session.get("http://127.0.0.1:8080/get")
/// print(response.status.code, try response.text())
/// await session.shutdown()
/// ```
///
/// ## Logs, metrics, traces
///
/// A session reports to the `logger`, metrics factory and tracer it is made with (by default: a
/// logger that logs nothing, `MetricsSystem.factory` and `InstrumentationSystem.tracer`, the
/// process-wide ones, which do nothing until the application bootstraps them). Per call (one
/// ``request(_:_:headers:body:basicAuth:)-(_,_,_,[UInt8]?,_)``, ``get(_:headers:basicAuth:)``,
/// ``stream(_:_:headers:body:basicAuth:maxBytes:isolation:_:)``, retries and redirects included):
///
/// - **Logs**: a retry (`info`, metadata `http.method`, `http.url`, `http.attempt`,
///   `http.retry_delay`, `http.retry_reason`), a followed redirect (`debug`, `http.status`,
///   `http.location`), a failure the caller gets (`info`, `http.error`, `http.error_description`),
///   once each; the logger also goes to AsyncHTTPClient, which logs its connections at `debug` and
///   `trace`. URLs are logged without credentials.
/// - **Metrics**: counter `parallel_http_requests` with dimension `status` ("200", "404", …), one
///   per call that ended with a response (a redirect followed is not the end); counter
///   `parallel_http_failures` with dimension `error` (the ``HTTPError`` case: "timeout",
///   "connectionRefused", "badURL", …), one per call that threw; counter `parallel_http_retries`, one
///   per repeated attempt; timer `parallel_http_request_duration`, the whole call (a stream's until its
///   handler returns).
/// - **Traces**: a span of kind `client` per call, named after the method ("GET"), a child of the
///   task's `ServiceContext`, with attributes `http.request.method`, `url.full` and
///   `http.response.status_code` (OpenTelemetry's names), an event per retry and redirect, the error
///   recorded and the status `error` for a failure or a status of 400 and up. Its context is injected
///   into every request's headers (`traceparent` with a W3C tracer).
///
/// ```swift
/// let session = try HTTPSession(logger: Logger(label: "crawler"), metrics: MetricsSystem.factory,
///                               tracer: InstrumentationSystem.tracer)
/// ```
public final class HTTPSession: Sendable {
    /// The configuration the session was made with.
    public let configuration: HTTPSessionConfiguration
    /// The session's cookies: every `Set-Cookie` received (redirects included) is kept and sent back
    /// to the URLs it matches (aiohttp's `session.cookie_jar`).
    ///
    /// ```swift
    /// print(session.cookies.cookies(for: "\(base)/"))
    /// ```
    public let cookies = HTTPCookieJar()
    private let client: HTTPClient
    /// Whether the session made ``client`` (and shuts it down) or was handed it (and leaves it).
    private let ownsClient: Bool
    private let observability: HTTPObservability
    /// The session-wide limit on requests in flight (AsyncHTTPClient limits connections per host only).
    private let permits: AsyncSemaphore
    private let sleep: @Sendable (Duration) async throws -> Void
    private let shutDown = LockedValue(false)
    /// The headers of a request that sets none: merged once, not per request.
    private let defaultHeaders: HTTPHeaders

    /// A logger that logs nothing: the default, so that a library using the session stays quiet.
    ///
    /// ```swift
    /// let session = try HTTPSession(logger: HTTPSession.quietLogger)
    /// ```
    public static let quietLogger = Logger(label: "ParallelHTTP", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Creates a session with its own AsyncHTTPClient; `clock` times the waits between retries (pass
    /// a test clock to drive them); `logger`, `metrics` and `tracer` receive what the session reports
    /// (see "Logs, metrics, traces" above).
    ///
    /// - Throws: `InvalidArgumentError` naming the field (`configuration.maxConnections`, …) if
    ///   `maxConnections`, `maxConnectionsPerHost` or `retry.maxAttempts` is less than 1,
    ///   `maxRedirects`, `maxBodySize` or `retry.maxRetryAfter` is negative, or a timeout is not more
    ///   than zero.
    ///
    /// ```swift
    /// let session = try HTTPSession(configuration: HTTPSessionConfiguration(retry: .standard))
    /// defer { Task { await session.shutdown() } }
    /// ```
    public convenience init<C: Clock<Duration>>(
        configuration: HTTPSessionConfiguration = .init(),
        clock: C = ContinuousClock(),
        logger: Logger = HTTPSession.quietLogger,
        metrics: any MetricsFactory = MetricsSystem.factory,
        tracer: any Tracer = InstrumentationSystem.tracer
    ) throws(InvalidArgumentError) {
        // Checked before a client is made: a bad configuration starts nothing.
        try configuration.validate()
        let client = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: Self.clientConfiguration(configuration),
            backgroundActivityLogger: logger
        )
        try self.init(
            client: client, ownsClient: true, configuration: configuration, clock: clock, logger: logger,
            metrics: metrics, tracer: tracer
        )
    }

    /// Creates a session on an `HTTPClient` the application already has; the application keeps
    /// owning it. The session never shuts `client` down: ``shutdown()`` only ends the session (later
    /// calls throw ``HTTPError/sessionShutDown``; calls in flight run to their end), and the owner
    /// shuts the client down after the sessions on it are done.
    ///
    /// The session applies what is its own: ``HTTPSessionConfiguration/maxConnections``, retries, the
    /// total timeout, headers, credentials, cookies, ``HTTPSessionConfiguration/maxRedirects`` and
    /// ``HTTPSessionConfiguration/raiseForStatus``. What the client was configured with stays the
    /// client's: TLS (``HTTPSessionConfiguration/verifyTLS`` is not used), connect and read timeouts,
    /// connections per host, decompression (gzip and deflate are decoded only if the client has it on)
    /// and tracing (make the client with `tracing.tracer = nil` to get only the session's spans). Turn
    /// the client's own redirects off (`redirectConfiguration: .disallow`) so that the session follows
    /// them, validating each `Location`.
    ///
    /// - Throws: `InvalidArgumentError` as ``init(configuration:clock:logger:metrics:tracer:)``.
    ///
    /// ```swift
    /// let client = HTTPClient(configuration: .init(redirectConfiguration: .disallow))
    /// let session = try HTTPSession(client: client, logger: Logger(label: "api"))
    /// // … use the session …
    /// await session.shutdown()
    /// try await client.shutdown()
    /// ```
    public convenience init<C: Clock<Duration>>(
        client: HTTPClient,
        configuration: HTTPSessionConfiguration = .init(),
        clock: C = ContinuousClock(),
        logger: Logger = HTTPSession.quietLogger,
        metrics: any MetricsFactory = MetricsSystem.factory,
        tracer: any Tracer = InstrumentationSystem.tracer
    ) throws(InvalidArgumentError) {
        try self.init(
            client: client, ownsClient: false, configuration: configuration, clock: clock, logger: logger,
            metrics: metrics, tracer: tracer
        )
    }

    private init<C: Clock<Duration>>(
        client: HTTPClient, ownsClient: Bool, configuration: HTTPSessionConfiguration, clock: C, logger: Logger,
        metrics: any MetricsFactory, tracer: any Tracer
    ) throws(InvalidArgumentError) {
        try configuration.validate()
        self.configuration = configuration
        self.permits = try AsyncSemaphore(value: configuration.maxConnections)
        self.sleep = { duration in try await clock.sleep(for: duration) }
        self.defaultHeaders = Self.merging([:], into: configuration.headers)
        self.observability = HTTPObservability(logger: logger, metrics: metrics, tracer: tracer)
        self.client = client
        self.ownsClient = ownsClient
    }

    deinit {
        guard ownsClient, !shutDown.withLock({ $0 }) else { return }
        let client = self.client
        Task { try? await client.shutdown() }
    }

    /// Closes every connection (the sockets finish closing within milliseconds after it returns) and
    /// ends the session; requests made afterwards throw
    /// ``HTTPError/sessionShutDown``. Calling it again does nothing (aiohttp's `await session.close()`).
    /// A session made on an application's `HTTPClient` (``init(client:configuration:clock:logger:metrics:tracer:)``)
    /// only ends: the client, its connections and the calls in flight on it stay the owner's.
    ///
    /// ```swift
    /// await session.shutdown()
    /// ```
    public func shutdown() async {
        let first = shutDown.withLock { wasShutDown in
            defer { wasShutDown = true }
            return !wasShutDown
        }
        guard first, ownsClient else { return }
        // Only fails with `alreadyShutdown`, which `first` rules out; connections are closed either way.
        try? await client.shutdown()
    }

    /// Sends a GET and returns the whole response (aiohttp's `session.get(url)` + `read()`).
    ///
    /// Retried per ``HTTPSessionConfiguration/retry``; throws ``HTTPError/status(code:reason:url:)`` for
    /// 4xx/5xx only when ``HTTPSessionConfiguration/raiseForStatus`` is on. A URL that is not http or
    /// https with a host and a port in 1…65535 throws ``HTTPError/badURL(_:reason:)`` before anything is
    /// sent.
    ///
    /// ```swift
    /// let page = try await session.get("https://example.com/").text()
    /// ```
    public func get(_ url: String, headers: HTTPHeaders = [:], basicAuth: HTTPBasicAuth? = nil) async throws(HTTPError) -> HTTPResponse {
        try await request(.GET, url, headers: headers, basicAuth: basicAuth)
    }

    /// Sends a POST with `body` and returns the whole response; never retried (POST is not idempotent).
    ///
    /// ```swift
    /// let created = try await session.post(url, body: Array(#"{"name":"x"}"#.utf8),
    ///                                      headers: ["Content-Type": "application/json"])
    /// ```
    public func post(
        _ url: String,
        body: [UInt8],
        headers: HTTPHeaders = [:],
        basicAuth: HTTPBasicAuth? = nil
    ) async throws(HTTPError) -> HTTPResponse {
        try await request(.POST, url, headers: headers, body: body, basicAuth: basicAuth)
    }

    /// Sends any request and returns the whole response (aiohttp's `session.request(method, url)`).
    ///
    /// Idempotent methods are retried per ``HTTPSessionConfiguration/retry``; the body, at most
    /// ``HTTPSessionConfiguration/maxBodySize`` bytes, is read before this returns, and the connection
    /// goes back to the pool. Redirects (301, 302, 303, 307, 308) are followed up to
    /// ``HTTPSessionConfiguration/maxRedirects``, each `Location` validated like the URL given: 301,
    /// 302 and 303 turn a method other than GET or HEAD into a GET without body, 307 and 308 keep
    /// method and body. The response's ``HTTPResponse/url`` is the final URL and
    /// ``HTTPResponse/history`` the redirects that led there.
    ///
    /// ```swift
    /// let response = try await session.request(.DELETE, "\(base)/items/7")
    /// ```
    public func request(
        _ method: HTTPMethod,
        _ url: String,
        headers: HTTPHeaders = [:],
        body: [UInt8]? = nil,
        basicAuth: HTTPBasicAuth? = nil
    ) async throws(HTTPError) -> HTTPResponse {
        let call = observability.start(method, url)
        do throws(HTTPError) {
            let response = try await send(method, url, headers: headers, body: body, basicAuth: basicAuth, call: call)
            call.responded(status: response.status)
            call.finished()
            return response
        } catch {
            call.failed(error)
            throw error
        }
    }

    /// ``request(_:_:headers:body:basicAuth:)-(_,_,_,[UInt8]?,_)`` without its observation.
    private func send(
        _ method: HTTPMethod,
        _ url: String,
        headers: HTTPHeaders,
        body: [UInt8]?,
        basicAuth: HTTPBasicAuth?,
        call: HTTPCallObservation
    ) async throws(HTTPError) -> HTTPResponse {
        var hop = try firstHop(method, url, headers: headers, body: body, basicAuth: basicAuth)
        var history: [HTTPRedirect] = []
        while true {
            let current = hop
            let request: HTTPClient.Request
            do {
                var headers = current.requestHeaders(cookie: cookies.header(for: current.url))
                call.inject(into: &headers)
                request = try HTTPClient.Request(url: current.url.url, method: current.method, headers: headers, body: current.body.map { .bytes($0) })
            } catch {
                throw mapping(error, url: current.url.string)
            }
            let response = try await withRetries(method: current.method, call: call) { () async throws(HTTPError) -> HTTPResponse in
                try await self.acquirePermit()
                defer { self.permits.release() }
                return try await self.executeBuffered(request, url: current.url.string)
            } status: { ($0.status, $0.headers) }
            cookies.store(response.headers, from: current.url)
            if let next = try nextHop(after: current, status: response.status, headers: response.headers, history: &history, call: call) {
                hop = next
                continue
            }
            try checkStatus(response.status, url: current.url.string)
            return HTTPResponse(
                url: current.url.string, status: response.status, headers: response.headers, body: response.body, history: history
            )
        }
    }

    /// Takes one of the session's `maxConnections` permits, first come first served. A cancelled task
    /// never starts a request: it gets ``HTTPError/cancelled``, also if it is cancelled while it waits.
    private func acquirePermit() async throws(HTTPError) {
        guard !Task.isCancelled else { throw .cancelled }
        do { try await permits.acquire() } catch { throw .cancelled }
    }

    /// Sends a request and hands its body to `handle` as it arrives, at most `maxBytes` bytes
    /// (aiohttp's `async for chunk in response.content.iter_any()`).
    ///
    /// The response head is retried like ``request(_:_:headers:body:basicAuth:)-(_,_,_,[UInt8]?,_)`` and redirects are
    /// followed the same way; the body is not retried (it is already yours). `handle` runs while the
    /// request holds its connection slot; when it returns, any unread rest of the body is dropped and
    /// that connection closed. Reading more than `maxBytes` throws ``HTTPError/bodyTooLarge(limit:)``
    /// from the body's iterator. The session's ``HTTPTimeouts/total`` bounds the whole call, `handle`
    /// reading the body included: when it expires `handle` is cancelled and the call throws
    /// ``HTTPError/timeout(_:url:)`` with `.total`.
    ///
    /// - Throws: `InvalidArgumentError` before sending if `maxBytes` is negative; then
    ///   ``HTTPError`` or what `handle` throws.
    ///
    /// ```swift
    /// let lines = try await session.stream(.GET, "\(base)/stream/3", maxBytes: 1 << 20) { response in
    ///     var count = 0
    ///     for try await chunk in response.body { count += chunk.filter { $0 == UInt8(ascii: "\n") }.count }
    ///     return count
    /// }
    /// ```
    public func stream<R>(
        _ method: HTTPMethod = .GET,
        _ url: String,
        headers: HTTPHeaders = [:],
        body: [UInt8]? = nil,
        basicAuth: HTTPBasicAuth? = nil,
        maxBytes: Int = .max,
        isolation: isolated (any Actor)? = #isolation,
        _ handle: (HTTPStreamingResponse) async throws -> R
    ) async throws -> R {
        try InvalidArgumentError.check("maxBytes", maxBytes, atLeast: 0)
        let call = observability.start(method, url)
        do {
            let result = try await streamTimed(method, url, headers: headers, body: body, basicAuth: basicAuth, maxBytes: maxBytes, call: call, handle)
            call.finished()
            return result
        } catch let error as HTTPError {
            call.failed(error)
            throw error
        } catch {
            call.ended(throwing: error)
            throw error
        }
    }

    /// ``stream(_:_:headers:body:basicAuth:maxBytes:isolation:_:)`` without its observation.
    private func streamTimed<R>(
        _ method: HTTPMethod,
        _ url: String,
        headers: HTTPHeaders,
        body: [UInt8]?,
        basicAuth: HTTPBasicAuth?,
        maxBytes: Int,
        call: HTTPCallObservation,
        isolation: isolated (any Actor)? = #isolation,
        _ handle: (HTTPStreamingResponse) async throws -> R
    ) async throws -> R {
        guard let total = configuration.timeouts.total else {
            return try await streamUntimed(method, url, headers: headers, body: body, basicAuth: basicAuth, maxBytes: maxBytes, call: call, handle)
        }
        do {
            return try await withTimeout(total) {
                do {
                    return Unchecked(try await streamUntimed(
                        method, url, headers: headers, body: body, basicAuth: basicAuth, maxBytes: maxBytes, call: call, handle
                    ))
                } catch let error as HTTPError {
                    // withTimeout turns only a CancellationError into TimeoutError at the deadline
                    // (a body's own error wins, as in asyncio): hand it the cancellation as such.
                    if case .cancelled = error { throw CancellationError() }
                    throw error
                }
            }.value
        } catch is TimeoutError {
            throw HTTPError.timeout(.total, url: url)
        } catch let error as CancellationError {
            // The caller was cancelled: the same error as without a total timeout.
            if Task.isCancelled { throw HTTPError.cancelled }
            throw error
        }
    }

    /// ``stream(_:_:headers:body:basicAuth:maxBytes:isolation:_:)`` without its total timeout.
    private func streamUntimed<R>(
        _ method: HTTPMethod,
        _ url: String,
        headers: HTTPHeaders,
        body: [UInt8]?,
        basicAuth: HTTPBasicAuth?,
        maxBytes: Int,
        call: HTTPCallObservation,
        isolation: isolated (any Actor)? = #isolation,
        _ handle: (HTTPStreamingResponse) async throws -> R
    ) async throws -> R {
        var hop = try firstHop(method, url, headers: headers, body: body, basicAuth: basicAuth)
        var history: [HTTPRedirect] = []
        try await acquirePermit()
        defer { permits.release() }
        while true {
            let current = hop
            var request = HTTPClientRequest(url: current.url.string)
            request.method = current.method
            request.headers = current.requestHeaders(cookie: cookies.header(for: current.url))
            call.inject(into: &request.headers)
            if let body = current.body { request.body = .bytes(body) }
            let head = try await withRetries(method: current.method, call: call) { () async throws(HTTPError) -> HTTPClientResponse in
                try await self.execute(request, url: current.url.string)
            } status: { ($0.status, $0.headers) }
            cookies.store(head.headers, from: current.url)
            // A redirect's body is dropped unread, which closes its connection.
            if let next = try nextHop(after: current, status: head.status, headers: head.headers, history: &history, call: call) {
                hop = next
                continue
            }
            call.responded(status: head.status)
            try checkStatus(head.status, url: current.url.string)
            let response = HTTPStreamingResponse(
                url: current.url.string,
                status: head.status,
                headers: head.headers,
                body: HTTPBodyStream(
                    base: head.body, limit: maxBytes, url: current.url.string, decompressionLimit: configuration.maxDecompressedSize
                ),
                history: history
            )
            return try await handle(response)
        }
    }

    // MARK: Machinery

    private var isShutDown: Bool { shutDown.withLock { $0 } }

    /// The first request of a call: `url` validated, the session's headers merged with the call's,
    /// the defaults added and the credentials chosen.
    private func firstHop(
        _ method: HTTPMethod,
        _ url: String,
        headers: HTTPHeaders,
        body: [UInt8]?,
        basicAuth: HTTPBasicAuth?
    ) throws(HTTPError) -> HTTPHop {
        guard !isShutDown else { throw .sessionShutDown }
        let target = try RequestURL(url)
        return HTTPHop(
            method: method,
            url: target,
            headers: headers.isEmpty ? defaultHeaders : Self.merging(headers, into: configuration.headers),
            body: body,
            basicAuth: target.credentials ?? basicAuth ?? configuration.basicAuth
        )
    }

    /// The session's headers with `call`'s in place of those of the same names, and the defaults for
    /// any of `User-Agent`, `Accept` and `Accept-Encoding` that neither sets.
    private static func merging(_ call: HTTPHeaders, into session: HTTPHeaders) -> HTTPHeaders {
        var merged = session
        for name in Set(call.map { $0.name.lowercased() }) { merged.remove(name: name) }
        merged.add(contentsOf: call)
        if !merged.contains(name: "user-agent") { merged.add(name: "User-Agent", value: HTTPSessionConfiguration.defaultUserAgent) }
        if !merged.contains(name: "accept") { merged.add(name: "Accept", value: "*/*") }
        if !merged.contains(name: "accept-encoding") { merged.add(name: "Accept-Encoding", value: "gzip, deflate") }
        return merged
    }

    /// The request a redirect in `status` and `headers` leads to, or `nil` when the response is the
    /// final one (not a followed redirect, no `Location`, or redirects off); records the redirect in
    /// `history`. Throws ``HTTPError/tooManyRedirects(url:limit:)`` past the limit and
    /// ``HTTPError/badURL(_:reason:)`` for a `Location` the session must not go to.
    private func nextHop(
        after hop: HTTPHop,
        status: HTTPResponseStatus,
        headers: HTTPHeaders,
        history: inout [HTTPRedirect],
        call: HTTPCallObservation
    ) throws(HTTPError) -> HTTPHop? {
        let limit = configuration.maxRedirects
        guard limit > 0, HTTPRedirect.isFollowed(status), let location = headers.first(name: "location") else { return nil }
        guard history.count < limit else { throw .tooManyRedirects(url: call.url, limit: limit) }
        let target = try hop.url.resolving(location)
        history.append(HTTPRedirect(url: hop.url.string, status: status, headers: headers, location: target.string))
        call.redirected(from: hop.url.string, status: status, to: target.string)
        return hop.redirected(to: target, method: HTTPRedirect.method(after: status, from: hop.method))
    }

    /// One whole attempt, body included, on AHC's accumulating API, whose deadline covers the whole
    /// request (the async API's deadline stops at the response head) without an extra task per request.
    private func executeBuffered(_ request: HTTPClient.Request, url: String) async throws(HTTPError) -> HTTPResponse {
        // ResponseAccumulator requires 0…UInt32.max.
        // AsyncHTTPClient's accumulator counts in 32 bits.
        let limit = min(configuration.maxBodySize, Int(UInt32.max))
        let deadline = configuration.timeouts.total.map { NIODeadline.now() + TimeAmount($0) }
        let task = client.execute(
            request: request,
            delegate: ResponseAccumulator(request: request, maxBodySize: limit),
            deadline: deadline,
            logger: observability.logger
        )
        do {
            let response = try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
            let body = response.body.map { Array($0.readableBytesView) } ?? []
            return HTTPResponse(url: url, status: response.status, headers: response.headers, body: body)
        } catch is ResponseAccumulator.ResponseTooBigError {
            throw .bodyTooLarge(limit: limit)
        } catch {
            throw mapping(error, url: url)
        }
    }

    /// One attempt up to the response head, with the session's total timeout as AHC's deadline.
    private func execute(_ request: HTTPClientRequest, url: String) async throws(HTTPError) -> HTTPClientResponse {
        let deadline = configuration.timeouts.total.map { NIODeadline.now() + TimeAmount($0) } ?? .distantFuture
        do {
            return try await client.execute(request, deadline: deadline, logger: observability.logger)
        } catch {
            throw mapping(error, url: url)
        }
    }

    /// Runs `attempt` until it succeeds with a status not worth retrying, fails with an error not worth
    /// retrying, or the policy's attempts are spent; waits between attempts on the session's clock.
    private func withRetries<T>(
        method: HTTPMethod,
        call: HTTPCallObservation,
        _ attempt: () async throws(HTTPError) -> T,
        status: (T) -> (HTTPResponseStatus, HTTPHeaders)
    ) async throws(HTTPError) -> T {
        let policy = configuration.retry
        let attempts = HTTPRetryPolicy.isIdempotent(method) ? policy.maxAttempts : 1
        var number = 1
        while true {
            let outcome: Result<T, HTTPError>
            do { outcome = .success(try await attempt()) } catch { outcome = .failure(error) }
            guard number < attempts else { return try outcome.get() }
            let delay: Duration
            switch outcome {
            case .success(let value):
                let (code, headers) = status(value)
                guard HTTPRetryPolicy.isRetryable(status: Int(code.code)) else { return value }
                delay = policy.retryAfter(headers) ?? policy.backoff.delay(beforeRetry: number)
                call.retrying(attempt: number, delay: delay, reason: "status \(code.code)")
            case .failure(let error):
                guard error.isRetryableTransportError else { throw error }
                delay = policy.backoff.delay(beforeRetry: number)
                call.retrying(attempt: number, delay: delay, reason: error.kind)
            }
            do { try await sleep(delay) } catch { throw .cancelled }
            number += 1
        }
    }

    private func checkStatus(_ status: HTTPResponseStatus, url: String) throws(HTTPError) {
        if configuration.raiseForStatus && status.code >= 400 {
            throw .status(code: Int(status.code), reason: status.reasonPhrase, url: url)
        }
    }

    private func mapping(_ error: any Error, url: String) -> HTTPError {
        HTTPError.mapping(error, url: url, decompressionLimit: configuration.maxDecompressedSize)
    }

    private static func clientConfiguration(_ configuration: HTTPSessionConfiguration) -> HTTPClient.Configuration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if !configuration.verifyTLS { tls.certificateVerification = .none }
        var pool = HTTPClient.Configuration.ConnectionPool()
        // A host never gets more than the whole session.
        pool.concurrentHTTP1ConnectionsPerHostSoftLimit = min(
            configuration.maxConnectionsPerHost ?? configuration.maxConnections, configuration.maxConnections
        )
        // Fail at once when a host refuses: the session's own retry policy decides about trying again.
        pool.retryConnectionEstablishment = false
        var timeout = HTTPClient.Configuration.Timeout()
        timeout.connect = configuration.timeouts.connect.map(TimeAmount.init)
        timeout.read = configuration.timeouts.read.map(TimeAmount.init)
        var client = HTTPClient.Configuration(
            tlsConfiguration: tls,
            // The session follows redirects itself, validating each Location before AHC sees it.
            redirectConfiguration: .disallow,
            timeout: timeout,
            connectionPool: pool,
            decompression: .enabled(limit: .size(configuration.maxDecompressedSize))
        )
        // The session opens one span per call (retries and redirects inside it); AHC's own span per
        // attempt would duplicate it, and costs a span (a no-op one by default) on every request.
        client.tracing.tracer = nil
        return client
    }
}

/// A value handed back from `withTimeout`'s body to the same caller. `@unchecked Sendable` is safe:
/// `withTimeout` runs the body in the caller's isolation (`isolation`) and returns its result to the
/// caller in that same isolation, so the value is never used from two isolation domains.
private struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

extension TimeAmount {
    /// A `Duration` as NIO's nanosecond count, saturating instead of overflowing.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        self = overflow ? .nanoseconds(.max) : .nanoseconds(whole.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue)
    }
}

/// Runs `body` with a new ``HTTPSession`` and shuts the session down when `body` returns or throws,
/// so no request outlives the scope and its connections are closed (their sockets within milliseconds
/// after; aiohttp's `async with aiohttp.ClientSession() as session:`).
///
/// `logger`, `metrics` and `tracer` go to the session, as in
/// ``HTTPSession/init(configuration:clock:logger:metrics:tracer:)``.
///
/// - Throws: `InvalidArgumentError` before `body` runs if `configuration` is out of range (see
///   ``HTTPSession/init(configuration:clock:logger:metrics:tracer:)``); otherwise what `body` throws.
///
/// ```swift
/// let text = try await withHTTPSession { session in
///     try await session.get("http://127.0.0.1:8080/get").text()
/// }
/// ```
@discardableResult
public func withHTTPSession<R, C: Clock<Duration>>(
    configuration: HTTPSessionConfiguration = .init(),
    clock: C = ContinuousClock(),
    logger: Logger = HTTPSession.quietLogger,
    metrics: any MetricsFactory = MetricsSystem.factory,
    tracer: any Tracer = InstrumentationSystem.tracer,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (HTTPSession) async throws -> R
) async throws -> R {
    let session = try HTTPSession(configuration: configuration, clock: clock, logger: logger, metrics: metrics, tracer: tracer)
    do {
        let result = try await body(session)
        await session.shutdown()
        return result
    } catch {
        await session.shutdown()
        throw error
    }
}
