import Instrumentation
import ServiceContextModule

/// The caller's trace context as it travels in a request frame to a worker: the text entries the
/// application's instrument injects (W3C `traceparent`, or whatever its tracer uses), extracted in the
/// worker into the `ServiceContext` the task runs in. So a span a task opens in the worker is a child
/// of the pool call's span, which is a child of the caller's.
///
/// swift-distributed-tracing ships injectors for HTTP headers only (in the HTTP libraries); a frame's
/// context is a plain dictionary, hence these two small types.
enum TraceCarrier {
    /// Writes entries into a dictionary.
    struct DictionaryInjector: Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
            carrier[key] = value
        }
    }

    /// Reads entries from a dictionary.
    struct DictionaryExtractor: Extractor {
        func extract(key: String, from carrier: [String: String]) -> String? {
            carrier[key]
        }
    }

    /// The `ServiceContext` a worker runs a request in: what this process's instrument
    /// (`InstrumentationSystem.instrument`, bootstrapped by the worker program) extracts from `entries`.
    static func context(from entries: [String: String]) -> ServiceContext {
        var context = ServiceContext.topLevel
        InstrumentationSystem.instrument.extract(entries, into: &context, using: DictionaryExtractor())
        return context
    }
}
