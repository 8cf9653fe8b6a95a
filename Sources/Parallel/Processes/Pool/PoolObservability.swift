import CoreMetrics
import Tracing

/// What a ``ProcessPool`` reports to the application's metrics (swift-metrics) and traces
/// (swift-distributed-tracing). With the no-op backends (the defaults until the application
/// bootstraps its own) it costs one boolean test per event.
///
/// Metrics (a *request* is one `run`/`submit` input or one chunk of a `map`/`imap`):
///
/// | name | type | dimensions | what |
/// | --- | --- | --- | --- |
/// | `parallel_pool_requests` | counter | `outcome`: `success`, `error` (the task threw for some input), `crash`, `timeout`, `cancel`, `shutdown`, `failure` (the channel, a size cap, an initializer, a start) | requests finished |
/// | `parallel_pool_worker_replacements` | counter | | workers started in the place of one that ended |
/// | `parallel_pool_queue_depth` | gauge | | requests waiting for a worker |
/// | `parallel_pool_workers` | gauge | `state`: `busy`, `idle` | workers running requests, or ready for them |
/// | `parallel_pool_queued_duration` | timer | | from submission until a worker is sent the request |
/// | `parallel_pool_running_duration` | timer | | from then until its outcome is in |
///
/// The gauges are sampled by the service thread (``PoolCore/recordGauges(_:options:effects:)``).
///
/// Traces: a client span for each pool call (`ProcessPool.run Square`, `ProcessPool.map Square`, …;
/// attribute `parallel.task`), child of the caller's `ServiceContext.current`, ended when the call's
/// outcome is in (for `submit`, when its handle completes; for the `imap`s, when the iteration ends).
/// Its context travels in each request frame (``TraceCarrier``) and the worker runs the task in it.
struct PoolObservability: Sendable {
    /// How a request finished, as the `outcome` dimension says it.
    enum Outcome: String, CaseIterable, Sendable {
        case success, error, crash, timeout, cancel, shutdown, failure
    }

    let tracer: any Tracer
    let tracingOn: Bool
    let metricsOn: Bool
    private let requests: [Outcome: Counter]
    let replacements: Counter
    let queueDepth: Gauge
    let busyWorkers: Gauge
    let idleWorkers: Gauge
    let queued: CoreMetrics.Timer
    let running: CoreMetrics.Timer

    init(metrics factory: any MetricsFactory, tracer: any Tracer) {
        self.tracer = tracer
        tracingOn = !(tracer is NoOpTracer)
        metricsOn = !(factory is NOOPMetricsHandler)
        var requests: [Outcome: Counter] = [:]
        for outcome in Outcome.allCases {
            requests[outcome] = Counter(label: "parallel_pool_requests", dimensions: [("outcome", outcome.rawValue)], factory: factory)
        }
        self.requests = requests
        replacements = Counter(label: "parallel_pool_worker_replacements", factory: factory)
        queueDepth = Gauge(label: "parallel_pool_queue_depth", factory: factory)
        busyWorkers = Gauge(label: "parallel_pool_workers", dimensions: [("state", "busy")], factory: factory)
        idleWorkers = Gauge(label: "parallel_pool_workers", dimensions: [("state", "idle")], factory: factory)
        queued = CoreMetrics.Timer(label: "parallel_pool_queued_duration", factory: factory)
        running = CoreMetrics.Timer(label: "parallel_pool_running_duration", factory: factory)
    }

    /// Counts a finished request.
    func finished(_ outcome: Outcome) {
        requests[outcome]?.increment()
    }

    /// A span for one pool call, and the context to send with its requests; nil without tracing.
    func startSpan(_ operation: String, task: String) -> CallSpan? {
        guard tracingOn else { return nil }
        let span = tracer.startSpan("ProcessPool.\(operation) \(task)", context: ServiceContext.current ?? .topLevel, ofKind: .client)
        span.attributes["parallel.task"] = task
        var carrier: [String: String] = [:]
        tracer.inject(span.context, into: &carrier, using: TraceCarrier.DictionaryInjector())
        return CallSpan(span: span, context: carrier)
    }

    /// One pool call's span and the trace context its requests carry.
    struct CallSpan: Sendable {
        let span: any Span
        let context: [String: String]

        /// Ends the span, marked failed by `error` if there is one (a cancellation is not an error).
        func end(_ error: (any Error)? = nil) {
            if let error, !(error is CancellationError) {
                span.recordError(error)
                span.setStatus(SpanStatus(code: .error))
            }
            span.end()
        }
    }
}

extension PoolSupervisor.Failure {
    /// The `outcome` a failed request is counted under.
    var outcome: PoolObservability.Outcome {
        switch self {
        case .crashed: .crash
        case .timedOut: .timeout
        case .cancelled: .cancel
        case .shutDown: .shutdown
        case .channel, .frameTooLarge, .initializer, .spawn, .worker: .failure
        }
    }
}

extension Duration {
    /// The duration in whole nanoseconds, for a metrics timer (saturating).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? (seconds < 0 ? .min : .max) : whole.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
