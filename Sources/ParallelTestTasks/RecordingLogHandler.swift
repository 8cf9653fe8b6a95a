import Logging
import Parallel

/// For the tests of the pool and of ParallelHTTP: a swift-log handler that keeps every event it is given, at every level: what the tests read back.
///
/// ```swift
/// let log = RecordingLogHandler.Store()
/// let logger = Logger(label: "test") { _ in RecordingLogHandler(store: log) }
/// #expect(log.events.contains { $0.message == "HTTP request retried" })
/// ```
public struct RecordingLogHandler: LogHandler {
    /// One event as logged.
    public struct Event: Sendable {
        public var level: Logger.Level
        public var message: String
        public var metadata: Logger.Metadata
    }

    /// Where the events go; shared by every copy of the handler (a `Logger` copies its handler).
    public final class Store: Sendable {
        public init() {}
        private let recorded = LockedValue<[Event]>([])
        public var events: [Event] { recorded.withLock { $0 } }
        public func append(_ event: Event) { recorded.withLock { $0.append(event) } }
        /// The events with `message`.
        public func events(_ message: String) -> [Event] { events.filter { $0.message == message } }
    }

    public let store: Store
    public var logLevel: Logger.Level = .trace
    public var metadata: Logger.Metadata = [:]

    /// A handler that records into `store`.
    public init(store: Store) { self.store = store }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let own = event.metadata { merged.merge(own) { $1 } }
        store.append(Event(level: event.level, message: event.message.description, metadata: merged))
    }
}
