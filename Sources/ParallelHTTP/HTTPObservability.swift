import CoreMetrics
import Logging
import NIOHTTP1
import Parallel
import Tracing

/// What an ``HTTPSession`` reports about its calls: to its `Logger`, its metrics factory and its
/// tracer. Each call is one ``HTTPCallObservation``: started before the first hop, ended once with the
/// final response or the error the caller gets.
///
/// ```swift
/// let call = observability.start(.GET, url)
/// // … send, call.inject(into: &headers), call.retrying(…), call.redirected(…) …
/// call.responded(status: response.status)
/// call.finished()
/// ```
struct HTTPObservability: Sendable {
    /// Counter, one per status code (`status`: "200", "404", …): calls that ended with a response.
    static let requestsLabel = "parallel_http_requests"
    /// Counter, one per error kind (`error`: "timeout", "connectionRefused", … as ``HTTPError``'s cases).
    static let failuresLabel = "parallel_http_failures"
    /// Counter: attempts repeated under the retry policy.
    static let retriesLabel = "parallel_http_retries"
    /// Timer: the duration of a call, first byte sent to last byte read, retries and redirects included.
    static let durationLabel = "parallel_http_request_duration"

    let logger: Logger
    /// `nil` when the tracer is the no-op one: then a call costs no span at all.
    let tracer: (any Tracer)?
    private let factory: any MetricsFactory
    /// `false` when the factory is the no-op one (swift-metrics not bootstrapped): then a call looks
    /// up no counter and records no time.
    let metricsOn: Bool
    private let statusCounters: LockedValue<[UInt: Counter]>
    private let failureCounters: LockedValue<[String: Counter]>
    private let retries: Counter
    let duration: CoreMetrics.Timer

    init(logger: Logger, metrics factory: any MetricsFactory, tracer: any Tracer) {
        self.logger = logger
        self.tracer = tracer is NoOpTracer ? nil : tracer
        self.factory = factory
        self.metricsOn = !(factory is NOOPMetricsHandler)
        self.statusCounters = LockedValue([:])
        self.failureCounters = LockedValue([:])
        self.retries = Counter(label: Self.retriesLabel, factory: factory)
        self.duration = CoreMetrics.Timer(label: Self.durationLabel, factory: factory)
    }

    /// Starts observing a call: its span (a child of the task's `ServiceContext`) and its clock.
    func start(_ method: HTTPMethod, _ url: String) -> HTTPCallObservation {
        let span = tracer.map { tracer in
            let span = tracer.startSpan(method.rawValue, context: ServiceContext.current ?? .topLevel, ofKind: .client)
            span.attributes["http.request.method"] = method.rawValue
            span.attributes["url.full"] = RequestURL.redacted(url)
            return span
        }
        return HTTPCallObservation(observability: self, method: method, url: url, span: span, start: .now)
    }

    /// The counter of calls that ended with `status`, made once per status code.
    fileprivate func requests(_ status: HTTPResponseStatus) -> Counter {
        let code = status.code
        if let counter = statusCounters.withLock({ $0[code] }) { return counter }
        let counter = Counter(label: Self.requestsLabel, dimensions: [("status", String(code))], factory: factory)
        return statusCounters.withLock { counters in
            if let existing = counters[code] { return existing }
            counters[code] = counter
            return counter
        }
    }

    /// The counter of calls that failed with `kind`, made once per kind.
    fileprivate func failures(_ kind: String) -> Counter {
        if let counter = failureCounters.withLock({ $0[kind] }) { return counter }
        let counter = Counter(label: Self.failuresLabel, dimensions: [("error", kind)], factory: factory)
        return failureCounters.withLock { counters in
            if let existing = counters[kind] { return existing }
            counters[kind] = counter
            return counter
        }
    }

    fileprivate func countRetry() {
        if metricsOn { retries.increment() }
    }
}

/// One call of an ``HTTPSession`` being observed: its span, when it started, what it asked for.
///
/// ```swift
/// call.failed(.timeout(.total, url: url))
/// ```
struct HTTPCallObservation: Sendable {
    let observability: HTTPObservability
    let method: HTTPMethod
    let url: String
    let span: (any Span)?
    let start: ContinuousClock.Instant

    /// Adds the span's context to `headers` (the tracer's own format: W3C `traceparent`, …).
    func inject(into headers: inout HTTPHeaders) {
        guard let span, let tracer = observability.tracer else { return }
        tracer.inject(span.context, into: &headers, using: HTTPHeadersInjector())
    }

    /// An attempt is to be repeated after `delay`: logged at `info` and counted.
    func retrying(attempt: Int, delay: Duration, reason: String) {
        observability.countRetry()
        span?.addEvent(SpanEvent(name: "retry", attributes: ["http.request.resend_count": .int64(Int64(attempt))]))
        observability.logger.info("HTTP request retried", metadata: [
            "http.method": "\(method.rawValue)", "http.url": "\(RequestURL.redacted(url))",
            "http.attempt": "\(attempt)", "http.retry_delay": "\(delay)", "http.retry_reason": "\(reason)",
        ])
    }

    /// A redirect from `from` with `status` is followed to `location`: logged at `debug`.
    func redirected(from: String, status: HTTPResponseStatus, to location: String) {
        span?.addEvent(SpanEvent(name: "redirect", attributes: ["url.full": .string(location)]))
        observability.logger.debug("HTTP redirect followed", metadata: [
            "http.method": "\(method.rawValue)", "http.url": "\(from)",
            "http.status": "\(status.code)", "http.location": "\(location)",
        ])
    }

    /// A response with `status` arrived (the final one of the call): counted, set on the span.
    func responded(status: HTTPResponseStatus) {
        if observability.metricsOn { observability.requests(status).increment() }
        if let span {
            span.attributes["http.response.status_code"] = Int64(status.code)
            if status.code >= 400 { span.setStatus(SpanStatus(code: .error)) }
        }
    }

    /// The call ended without an error: its duration is recorded, its span ended.
    func finished() {
        recordDuration()
        span?.end()
    }

    /// The call ended with `error`, which the caller gets: logged at `info`, counted by kind,
    /// recorded on the span.
    func failed(_ error: HTTPError) {
        if observability.metricsOn { observability.failures(error.kind).increment() }
        recordDuration()
        observability.logger.info("HTTP request failed", metadata: [
            "http.method": "\(method.rawValue)", "http.url": "\(RequestURL.redacted(url))",
            "http.error": "\(error.kind)", "http.error_description": "\(error)",
        ])
        if let span {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
            span.end()
        }
    }

    /// The call ended with an error not of the session's (thrown by a stream's handler): recorded
    /// on the span, not counted as a failure (the request itself succeeded, and was counted).
    func ended(throwing error: any Error) {
        recordDuration()
        guard let span else { return }
        span.recordError(error)
        span.end()
    }

    private func recordDuration() {
        guard observability.metricsOn else { return }
        observability.duration.recordNanoseconds(Self.nanoseconds(ContinuousClock.now - start))
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : whole.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}

/// Writes a tracer's context into a request's headers (one header per key).
private struct HTTPHeadersInjector: Injector {
    func inject(_ value: String, forKey key: String, into headers: inout HTTPHeaders) {
        headers.replaceOrAdd(name: key, value: value)
    }
}
