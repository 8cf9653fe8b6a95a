import Logging
import Parallel
import ParallelHTTP
import ServiceLifecycle
import Testing

@Suite("HTTPSession as a Service in a ServiceGroup", .timeLimit(.minutes(1)))
struct HTTPSessionServiceTests {
    /// A service group running `session` only, with a logger that logs nothing.
    func group(of session: HTTPSession) -> ServiceGroup {
        ServiceGroup(configuration: .init(
            services: [session], logger: Logger(label: "HTTPSessionServiceTests") { _ in SwiftLogNoOpLogHandler() }
        ))
    }

    @Test("a graceful shutdown of the group closes the session: later requests throw sessionShutDown")
    func gracefulShutdownClosesTheSession() async throws {
        let session = try HTTPSession()
        let group = group(of: session)
        let running = Task { try await group.run() }
        await group.triggerGracefulShutdown()
        try await running.value
        await #expect(throws: HTTPError.sessionShutDown) { try await session.get("http://127.0.0.1:1/") }
    }

    @Test("cancelling the group closes the session too")
    func cancellationClosesTheSession() async throws {
        let session = try HTTPSession()
        let group = group(of: session)
        let running = Task { try await group.run() }
        running.cancel()
        _ = await running.result
        await #expect(throws: HTTPError.sessionShutDown) { try await session.get("http://127.0.0.1:1/") }
    }
}
