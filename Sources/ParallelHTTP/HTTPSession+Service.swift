import ServiceLifecycle

/// A session is a swift-service-lifecycle `Service`: run it in a `ServiceGroup` beside the services
/// that use it, and the group's shutdown closes it.
///
/// ```swift
/// let session = try HTTPSession()
/// let group = ServiceGroup(configuration: .init(
///     services: [session], gracefulShutdownSignals: [.sigterm], logger: logger
/// ))
/// try await group.run()
/// ```
extension HTTPSession: Service {
    /// Keeps the session until the service group ends it, then closes it with ``shutdown()``, on
    /// graceful shutdown and on cancellation alike: requests still in flight are cut off and fail,
    /// later ones throw ``HTTPError/sessionShutDown``. It never throws.
    ///
    /// The session serves requests from its creation, not from `run()`: this only decides when it
    /// ends. A group shuts its services down gracefully one at a time, last listed first: list the
    /// session before the services that use it, and their requests finish before it closes.
    ///
    /// ```swift
    /// try await session.run()   // usually called by a ServiceGroup
    /// ```
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }
}
