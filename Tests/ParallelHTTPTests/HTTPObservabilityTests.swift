import ParallelTestTasks
import AsyncHTTPClient
import InMemoryTracing
import Logging
import Metrics
import MetricsTestKit
import Parallel
import Testing
import Tracing
import ParallelHTTP
import ParallelTestServer

@Suite("A session's logs, metrics and traces, through real handlers", .timeLimit(.minutes(1)))
struct HTTPObservabilityTests {
    /// Three attempts with an exact backoff (the recording clock makes the waits instant).
    static var retry: HTTPRetryPolicy {
        get throws { HTTPRetryPolicy(maxAttempts: 3, backoff: try Backoff(initial: .milliseconds(10), multiplier: 1, jitter: 0)) }
    }

    @Test("a retry, a redirect and a failure are logged once each, with their metadata; AsyncHTTPClient gets the logger too")
    func logging() async throws {
        let log = RecordingLogHandler.Store()
        let logger = Logger(label: "test") { _ in RecordingLogHandler(store: log) }
        try await withTestServer { server in
            let configuration = HTTPSessionConfiguration(retry: try Self.retry)
            try await withHTTPSession(configuration: configuration, clock: RecordingClock(), logger: logger) { session in
                _ = try await session.get("\(server.baseURL)/flaky/log?failures=1&status=503")
                _ = try await session.get("\(server.baseURL)/redirect/1")
                _ = try? await session.post("http://127.0.0.1:\(closedPort())/", body: [])
            }
        }
        let retried = log.events("HTTP request retried")
        #expect(retried.count == 1)
        #expect(retried.first?.level == .info)
        #expect(retried.first?.metadata["http.attempt"] == "1")
        #expect(retried.first?.metadata["http.retry_reason"] == "status 503")
        let redirected = log.events("HTTP redirect followed")
        #expect(redirected.count == 1)
        #expect(redirected.first?.level == .debug)
        #expect(redirected.first?.metadata["http.status"] == "302")
        #expect(redirected.first?.metadata["http.location"].map { "\($0)".hasSuffix("/get") } == true)
        let failed = log.events("HTTP request failed")
        #expect(failed.count == 1)
        #expect(failed.first?.metadata["http.error"] == "connectionRefused")
        #expect(failed.first?.metadata["http.method"] == "POST")
        // AsyncHTTPClient tags what it logs about a request with its request id.
        #expect(log.events.contains { $0.metadata["ahc-request-id"] != nil })
    }

    @Test("credentials in a URL never reach the log")
    func loggedURLsHaveNoCredentials() async throws {
        let log = RecordingLogHandler.Store()
        let logger = Logger(label: "test") { _ in RecordingLogHandler(store: log) }
        try await withHTTPSession(logger: logger) { session in
            _ = try? await session.get("http://user:secret@127.0.0.1:\(closedPort())/")
        }
        let failed = log.events("HTTP request failed")
        #expect(failed.count == 1)
        #expect(failed.first?.metadata["http.url"].map { "\($0)".hasPrefix("http://127.0.0.1:") } == true)
        #expect(!log.events.contains { event in event.metadata.values.contains { "\($0)".contains("secret") } })
    }

    @Test("requests are counted by status, failures by error kind, retries one by one, and every call is timed")
    func metrics() async throws {
        let metrics = TestMetrics()
        try await withTestServer { server in
            let configuration = HTTPSessionConfiguration(retry: try Self.retry)
            try await withHTTPSession(configuration: configuration, clock: RecordingClock(), metrics: metrics) { session in
                for _ in 0..<3 { _ = try await session.get("\(server.baseURL)/get") }
                _ = try await session.get("\(server.baseURL)/status/404")
                _ = try await session.get("\(server.baseURL)/flaky/metrics?failures=2&status=503")
                _ = try await session.get("\(server.baseURL)/redirect/2")
                _ = try? await session.get("http://127.0.0.1:\(closedPort())/")
                _ = try? await session.get("http://127.0.0.1:99999/")
                _ = try await session.stream(.GET, "\(server.baseURL)/stream/2") { _ in () }
            }
        }
        // 3 + flaky (its last attempt) + redirect (its end, not its hops) + the stream.
        #expect(try metrics.expectCounter("parallel_http_requests", [("status", "200")]).totalValue == 6)
        #expect(try metrics.expectCounter("parallel_http_requests", [("status", "404")]).totalValue == 1)
        #expect(try metrics.expectCounter("parallel_http_failures", [("error", "connectionRefused")]).totalValue == 1)
        #expect(try metrics.expectCounter("parallel_http_failures", [("error", "badURL")]).totalValue == 1)
        // The closed port is retried too (a refused connection is worth retrying): 2 for the flaky URL, 2 for it.
        #expect(try metrics.expectCounter("parallel_http_retries").totalValue == 4)
        let timer = try metrics.expectTimer("parallel_http_request_duration")
        #expect(timer.values.count == 9)
        #expect(timer.values.allSatisfy { $0 > 0 })
    }

    @Test("each call is a client span, child of the caller's span, whose context the server receives in the headers")
    func tracing() async throws {
        let tracer = InMemoryTracer()
        try await withTestServer { server in
            try await withHTTPSession(tracer: tracer) { session in
                let echo = try await tracer.withSpan("caller") { _ in
                    try await session.get("\(server.baseURL)/get").decode(Echo.self)
                }
                let spans = tracer.finishedSpans
                let caller = try #require(spans.first { $0.operationName == "caller" })
                let request = try #require(spans.first { $0.operationName == "GET" })
                #expect(request.kind == .client)
                #expect(request.parentSpanID == caller.spanID)
                #expect(request.traceID == caller.traceID)
                #expect(request.attributes["http.request.method"]?.toSpanAttribute() == .string("GET"))
                #expect(request.attributes["url.full"]?.toSpanAttribute() == .string("\(server.baseURL)/get"))
                #expect(request.attributes["http.response.status_code"]?.toSpanAttribute() == .int64(200))
                #expect(request.status == nil)
                // The request's own span, not the caller's, is what travels.
                #expect(echo.headers[InMemoryTracer.spanIDKey] == request.spanID)
                #expect(echo.headers[InMemoryTracer.traceIDKey] == request.traceID)
            }
        }
    }

    @Test("a failed call's span records the error and has the error status; a 404 has the error status")
    func tracingFailures() async throws {
        let tracer = InMemoryTracer()
        try await withTestServer { server in
            try await withHTTPSession(tracer: tracer) { session in
                let port = closedPort()
                _ = try? await session.get("http://127.0.0.1:\(port)/")
                _ = try await session.get("\(server.baseURL)/status/404")
            }
        }
        let spans = tracer.finishedSpans
        #expect(spans.count == 2)
        let failed = try #require(spans.first { $0.attributes["http.response.status_code"] == nil })
        #expect(failed.status?.code == .error)
        #expect(failed.errors.count == 1)
        #expect(failed.errors.first?.error is HTTPError)
        let notFound = try #require(spans.first { $0.attributes["http.response.status_code"]?.toSpanAttribute() == .int64(404) })
        #expect(notFound.status?.code == .error)
        #expect(notFound.errors.isEmpty)
    }

    @Test("a session made on the application's HTTPClient uses it and leaves it running when it shuts down")
    func borrowedClient() async throws {
        try await withTestServer { server in
            let client = HTTPClient(configuration: .init(redirectConfiguration: .disallow))
            do {
                let session = try HTTPSession(client: client)
                let response = try await session.get("\(server.baseURL)/redirect/1")
                #expect(response.status == .ok)
                #expect(response.history.count == 1)
                #expect(server.stats.acceptedConnections == 1)
                await session.shutdown()
                await #expect(throws: HTTPError.sessionShutDown) { try await session.get("\(server.baseURL)/get") }
                // The client still works: the session did not shut it down.
                let direct = try await client.get(url: "\(server.baseURL)/get").get()
                #expect(direct.status == .ok)
            } catch {
                try await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }
}
