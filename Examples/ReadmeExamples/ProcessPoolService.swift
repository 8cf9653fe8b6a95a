// README.md's "Processes" section: a pool as a Service in a ServiceGroup, and a pool's logger, verbatim. Run here, the
// group is cancelled at once (nothing sends SIGTERM), which stops the pool as shutdownNow() does.
import Logging
import Metrics
import Parallel
import ServiceLifecycle
import Tracing

@MainActor
extension ReadmeExamples {
    static func processPoolService() async throws {
        let service = Task { @MainActor in
            let pool = try ProcessPool(workers: 2)
            let group = ServiceGroup(configuration: .init(
                services: [pool], gracefulShutdownSignals: [.sigterm], logger: Logger(label: "app")
            ))
            try await group.run()   // until SIGTERM; meanwhile other services submit work to the pool
        }
        service.cancel()
        _ = await service.result
        print("service group ended")
    }

    static func processPoolLogger() async throws {
        var logger = Logger(label: "app.pool")
        logger.logLevel = .info   // crashes, timeouts and replacements; .debug adds every start and exit
        let logged = try ProcessPool(workers: 2, logger: logger)
        print(try await logged.run(Square.self, 4))   // 16
        await logged.shutdown()
    }

    static func processPoolObserved() async throws {
        let observed = try ProcessPool(workers: 2, metrics: MetricsSystem.factory, tracer: InstrumentationSystem.tracer)
        print(try await observed.run(Square.self, 5))   // 25, counted as parallel_pool_requests{outcome="success"}
        await observed.shutdown()
    }
}
