import ServiceLifecycle

/// A pool is a swift-service-lifecycle `Service`: run it in a `ServiceGroup` beside the services that
/// use it, and the group's shutdown ends it.
///
/// ```swift
/// let pool = try ProcessPool(workers: 4)
/// let group = ServiceGroup(configuration: .init(
///     services: [pool], gracefulShutdownSignals: [.sigterm], logger: logger
/// ))
/// try await group.run()
/// ```
extension ProcessPool: Service {
    /// Keeps the pool until the service group ends it: on graceful shutdown (`SIGTERM`, say, or
    /// `triggerGracefulShutdown()`) the pool finishes the work already submitted and returns, as
    /// ``shutdown()``; on cancellation (the group's cancellation, or a graceful shutdown past its
    /// timeout) it stops at once, as ``shutdownNow()``. Either way every worker has exited and been
    /// reaped when this returns. It never throws.
    ///
    /// The pool serves calls from its creation, not from `run()`: this only decides when it ends. A
    /// group shuts its services down gracefully one at a time, last listed first: list the pool
    /// before the services that use it, and it ends after them, with all their work.
    ///
    /// ```swift
    /// try await pool.run()   // usually called by a ServiceGroup
    /// ```
    public func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            // Only cancellation ends the wait with an error.
            await shutdownNow()
            return
        }
        await withTaskCancellationHandler {
            await shutdown()
        } onCancel: { [core] in
            core.beginShutdown(immediately: true)
        }
    }
}
