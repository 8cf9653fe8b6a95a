import Logging
import Parallel

/// A swift-log handler that keeps every event it is given, at every level: what the tests read back.
///
/// ```swift
/// let log = RecordingLogHandler.Store()
/// let logger = Logger(label: "test") { _ in RecordingLogHandler(store: log) }
/// #expect(log.events.contains { $0.message == "HTTP request retried" })
/// ```
struct RecordingLogHandler: LogHandler {
    /// One event as logged.
    struct Event: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    /// Where the events go; shared by every copy of the handler (a `Logger` copies its handler).
    final class Store: Sendable {
        private let recorded = LockedValue<[Event]>([])
        var events: [Event] { recorded.withLock { $0 } }
        func append(_ event: Event) { recorded.withLock { $0.append(event) } }
        /// The events with `message`.
        func events(_ message: String) -> [Event] { events.filter { $0.message == message } }
    }

    let store: Store
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let own = event.metadata { merged.merge(own) { $1 } }
        store.append(Event(level: event.level, message: event.message.description, metadata: merged))
    }
}
