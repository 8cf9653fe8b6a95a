import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle
import UnixSignals

/// A small httpbin-style HTTP/1.1 server, in-process, on Hummingbird: for the demo, the tests and
/// the benchmarks (it replaces `https://httpbin.org` from the seed).
///
/// Routes (all GET unless noted):
/// - `/delay/{seconds}`: waits (fractions allowed, at most 10 s), then echoes like `/get`.
/// - `/status/{code}`: answers with that status; `?retry_after=N` adds `Retry-After: N`.
/// - `/bytes/{n}`: `n` bytes (at most 64 MiB) of `application/octet-stream`.
/// - `/stream/{n}`: `n` JSON lines (at most 100,000), chunked, one write each.
/// - `/get`: the request as JSON: `method`, `path`, `query`, `headers` (names lower-cased).
/// - `/post` (POST): the same, plus `data`, the body as text.
/// - `/flaky/{key}?failures=k&status=503&retry_after=N` (GET or POST): the first `k` requests for `key` answer
///   `status` (with `Retry-After` if given), later ones 200 with `{"attempts": n}`.
/// - `/redirect/{n}`: redirects `n` times, then to `/get`.
/// - `/redirect-to?url=U&status=302` (any method): answers `status` (3xx) with `Location: U`, whatever `U` is.
/// - `/basic-auth/{user}/{password}`: 200 for exactly those Basic credentials, else 401.
/// - `/gzip`, `/deflate`: JSON with that `Content-Encoding`; `/gzip-bomb`: 2 MiB of zeros in 2 KiB of gzip.
/// - `/drip/{n}?delay=S`: `n` one-line chunks, `S` seconds apart (10 s in all at most).
/// - `/cookies`: the cookies received as `{"cookies": {…}}`; `/cookies/set?name=value[&max_age=N][&expires=D][&domain=D][&secure]` and
///   `/cookies/delete?name` set or expire cookies (`Path=/`), then redirect to `/cookies`.
///
/// It counts requests in flight (and the most seen) and open connections: see ``stats``.
///
/// ```swift
/// let server = try await TestServer.start()
/// print(server.baseURL)            // http://127.0.0.1:<port chosen by the OS>
/// // … requests …
/// await server.shutdown()
/// ```
public final class TestServer: Sendable {
    /// The address the server listens on, e.g. `127.0.0.1`.
    public let host: String
    /// The port it listens on (the one the OS chose when started with port 0).
    public let port: Int
    private let counters: ServerCounters
    private let group: ServiceGroup
    private let running: Task<Void, Never>

    private init(host: String, port: Int, counters: ServerCounters, group: ServiceGroup, running: Task<Void, Never>) {
        self.host = host
        self.port = port
        self.counters = counters
        self.group = group
        self.running = running
    }

    /// `http://host:port`, to prefix the routes with.
    public var baseURL: String { "http://\(host):\(port)" }

    /// Starts a server on `host` and `port` (0: any free port) and returns once it accepts connections.
    ///
    /// Throws ``TestServerError/cannotListen(host:port:reason:)`` when the address is taken or invalid.
    ///
    /// ```swift
    /// let server = try await TestServer.start(host: "127.0.0.1", port: 0)
    /// ```
    public static func start(host: String = "127.0.0.1", port: Int = 0) async throws(TestServerError) -> TestServer {
        try await launch(host: host, port: port, shutdownSignals: [])
    }

    /// Runs a server on `host` and `port` until the process receives SIGINT (Ctrl-C) or SIGTERM, then
    /// shuts it down gracefully; `onListening` gets the started server (`par serve`).
    ///
    /// ```swift
    /// try await TestServer.runUntilInterrupted(port: 8080) { server in print("listening on \(server.baseURL)") }
    /// ```
    public static func runUntilInterrupted(
        host: String = "127.0.0.1",
        port: Int = 0,
        onListening: (TestServer) -> Void
    ) async throws(TestServerError) {
        let server = try await launch(host: host, port: port, shutdownSignals: [.sigint, .sigterm])
        onListening(server)
        await server.running.value
    }

    private static func launch(
        host: String,
        port: Int,
        shutdownSignals: [UnixSignal]
    ) async throws(TestServerError) -> TestServer {
        let counters = ServerCounters()
        var logger = Logger(label: "ParallelTestServer")
        logger.logLevel = .critical
        let (bound, boundContinuation) = AsyncThrowingStream.makeStream(of: Int.self)
        let application = Application(
            router: makeRouter(counters: counters),
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: port),
                serverName: "ParallelTestServer",
                availableConnectionsDelegate: ConnectionCounter(counters: counters)
            ),
            onServerRunning: { channel in
                boundContinuation.yield(channel.localAddress?.port ?? port)
                boundContinuation.finish()
            },
            logger: logger
        )
        let group = ServiceGroup(services: [application], gracefulShutdownSignals: shutdownSignals, logger: logger)
        let running = Task {
            do {
                try await group.run()
                boundContinuation.finish()
            } catch {
                boundContinuation.finish(throwing: error)
            }
        }
        do {
            for try await boundPort in bound {
                return TestServer(host: host, port: boundPort, counters: counters, group: group, running: running)
            }
            throw TestServerError.cannotListen(host: host, port: port, reason: "the server stopped before listening")
        } catch {
            running.cancel()
            await running.value
            throw .cannotListen(host: host, port: port, reason: "\(error)")
        }
    }

    /// Stops accepting connections, lets requests in flight finish, closes every connection and
    /// returns when the server has stopped. Calling it again does nothing.
    ///
    /// ```swift
    /// await server.shutdown()
    /// ```
    public func shutdown() async {
        await group.triggerGracefulShutdown()
        await running.value
    }

    /// A snapshot of the counters.
    ///
    /// ```swift
    /// print(server.stats.openConnections)
    /// ```
    public var stats: TestServerStats { counters.stats }

    /// Starts a new measurement of ``TestServerStats/maxInFlight`` from the requests in flight now.
    ///
    /// ```swift
    /// server.resetStats()
    /// ```
    public func resetStats() {
        counters.resetMaxInFlight()
    }

    /// How many requests `/flaky/{key}` has received for `key`.
    ///
    /// ```swift
    /// #expect(server.attempts(forKey: "a") == 3)
    /// ```
    public func attempts(forKey key: String) -> Int {
        counters.attempts(key)
    }

    /// Waits until `condition` holds for the counters (checked at every change, no polling) and
    /// returns `true`, or returns `false` after `timeout`.
    ///
    /// ```swift
    /// let closed = await server.waitUntil(timeout: .seconds(5)) { $0.openConnections == 0 }
    /// ```
    public func waitUntil(
        timeout: Duration,
        _ condition: @escaping @Sendable (TestServerStats) -> Bool
    ) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.counters.wait(for: condition) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}

/// Why a ``TestServer`` could not start.
///
/// ```swift
/// do { _ = try await TestServer.start(port: 80) } catch .cannotListen(_, let port, let reason) { print(port, reason) }
/// ```
public enum TestServerError: Error, Sendable, CustomStringConvertible {
    /// Binding or listening failed, e.g. the port is taken.
    case cannotListen(host: String, port: Int, reason: String)

    /// What went wrong and what to do.
    public var description: String {
        switch self {
        case .cannotListen(let host, let port, let reason):
            return "cannot listen on \(host):\(port) (\(reason)); choose another port, or 0 for any free one"
        }
    }
}
