/// What a ``TestServer`` has seen so far: requests, concurrency and connections.
///
/// ```swift
/// let stats = server.stats
/// #expect(stats.maxInFlight <= 10)
/// #expect(stats.openConnections == 0)
/// ```
public struct TestServerStats: Sendable, Hashable {
    /// Requests that reached a route (or a 404), counted when they arrive.
    public var requests = 0
    /// Requests being handled right now.
    public var inFlight = 0
    /// The largest ``inFlight`` seen since the start or the last ``TestServer/resetStats()``.
    public var maxInFlight = 0
    /// TCP connections accepted and not yet closed.
    public var openConnections = 0
    /// TCP connections accepted in all.
    public var acceptedConnections = 0

    /// Creates empty statistics.
    ///
    /// ```swift
    /// let none = TestServerStats()
    /// ```
    public init() {}
}
