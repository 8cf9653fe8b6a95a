import Testing
import ParallelHTTP
import ParallelTestServer

/// The request as the test server's `/get` echoes it.
struct Echo: Decodable {
    let method: String
    let path: String
    let query: [String: String]
    let headers: [String: String]
    let data: String?
}

@Suite("HTTPSession against the embedded server", .timeLimit(.minutes(1)))
struct HTTPSessionTests {
    @Test("get returns status, headers and the body, which decodes as the server's JSON echo")
    func getAndDecode() async throws {
        try await withTestServer { server in
            try await withHTTPSession { session in
                let response = try await session.get("\(server.baseURL)/get?name=swift", headers: ["X-Test": "1"])
                #expect(response.status == .ok)
                #expect(response.ok)
                #expect(response.headers.first(name: "content-type")?.hasPrefix("application/json") == true)
                let echo = try response.decode(Echo.self)
                #expect(echo.method == "GET")
                #expect(echo.path == "/get")
                #expect(echo.query == ["name": "swift"])
                #expect(echo.headers["x-test"] == "1")
                #expect(try response.text().contains("\"path\""))
            }
        }
    }

    @Test("post sends its body, and request sends any method")
    func postAndRequest() async throws {
        try await withTestServer { server in
            try await withHTTPSession { session in
                let posted = try await session.post("\(server.baseURL)/post", body: Array("hello".utf8))
                #expect(try posted.decode(Echo.self).data == "hello")
                let deleted = try await session.request(.DELETE, "\(server.baseURL)/get")
                #expect(deleted.status == .notFound)
            }
        }
    }

    @Test("default headers go with every request, and a request's own header of the same name replaces them")
    func defaultHeaders() async throws {
        try await withTestServer { server in
            let configuration = HTTPSessionConfiguration(headers: ["X-Default": "a", "X-Both": "session"])
            try await withHTTPSession(configuration: configuration) { session in
                let echo = try await session.get("\(server.baseURL)/get", headers: ["x-both": "request"]).decode(Echo.self)
                #expect(echo.headers["x-default"] == "a")
                #expect(echo.headers["x-both"] == "request")
            }
        }
    }

    @Test("requests in flight never exceed maxConnections, and do reach it")
    func totalLimitBoundsConcurrency() async throws {
        try await withTestServer { server in
            try await withHTTPSession(configuration: HTTPSessionConfiguration(maxConnections: 3)) { session in
                let peak = await peakInFlight(server, limit: 3) { try await session.fetchAll($0, maxConcurrent: 9) }
                #expect(peak.reached)
                #expect(!peak.exceeded)
                #expect(peak.accepted <= 3)
            }
        }
    }

    @Test("connections to one host never exceed maxConnectionsPerHost")
    func perHostLimitBoundsConnections() async throws {
        try await withTestServer { server in
            let configuration = HTTPSessionConfiguration(maxConnections: 10, maxConnectionsPerHost: 2)
            try await withHTTPSession(configuration: configuration) { session in
                let peak = await peakInFlight(server, limit: 2) { try await session.fetchAll($0, maxConcurrent: 9) }
                #expect(peak.reached)
                #expect(!peak.exceeded)
                #expect(peak.accepted <= 2)
            }
        }
    }

    @Test("shutdown closes every connection the session opened: the server sees none left open")
    func shutdownClosesConnections() async throws {
        try await withTestServer { server in
            let session = try HTTPSession(configuration: HTTPSessionConfiguration(maxConnections: 4))
            let batch = try await session.fetchAll(Array(repeating: "\(server.baseURL)/delay/0.1", count: 4), maxConcurrent: 4)
            #expect(batch.responses.count == 4)
            #expect(server.stats.openConnections > 0, "keep-alive connections stay open while the session lives")
            await session.shutdown()
            let closed = await server.waitUntil(timeout: .seconds(5)) { $0.openConnections == 0 }
            #expect(closed)
            await session.shutdown()  // a second call does nothing
        }
    }

    @Test("withHTTPSession closes its connections when the scope ends, even when the body throws")
    func scopedSessionClosesConnections() async throws {
        struct Stop: Error {}
        try await withTestServer { server in
            await #expect(throws: Stop.self) {
                try await withHTTPSession { session in
                    _ = try await session.get("\(server.baseURL)/get")
                    throw Stop()
                }
            }
            #expect(server.stats.acceptedConnections == 1)
            let closed = await server.waitUntil(timeout: .seconds(5)) { $0.openConnections == 0 }
            #expect(closed)
        }
    }

    @Test("a request after shutdown throws sessionShutDown")
    func requestAfterShutdown() async throws {
        let session = try HTTPSession()
        await session.shutdown()
        await #expect(throws: HTTPError.sessionShutDown) {
            _ = try await session.get("http://127.0.0.1:\(closedPort())/get")
        }
    }

    @Test("cancelling the task cancels the request in flight and throws cancelled")
    func cancellation() async throws {
        try await withTestServer { server in
            try await withHTTPSession { session in
                let request = Task { try await session.get("\(server.baseURL)/delay/10") }
                #expect(await server.waitUntil(timeout: .seconds(5)) { $0.inFlight == 1 })
                request.cancel()
                await #expect(throws: HTTPError.cancelled) { _ = try await request.value }
            }
        }
    }

    @Test("redirects are followed up to maxRedirects; beyond it tooManyRedirects; with 0 the 3xx is returned")
    func redirects() async throws {
        try await withTestServer { server in
            try await withHTTPSession(configuration: HTTPSessionConfiguration(maxRedirects: 5)) { session in
                let followed = try await session.get("\(server.baseURL)/redirect/3")
                #expect(try followed.decode(Echo.self).path == "/get")
            }
            try await withHTTPSession(configuration: HTTPSessionConfiguration(maxRedirects: 2)) { session in
                await #expect(throws: HTTPError.tooManyRedirects(url: "\(server.baseURL)/redirect/3", limit: 2)) {
                    _ = try await session.get("\(server.baseURL)/redirect/3")
                }
            }
            try await withHTTPSession(configuration: HTTPSessionConfiguration(maxRedirects: 0)) { session in
                let response = try await session.get("\(server.baseURL)/redirect/1")
                #expect(response.status == .found)
                #expect(response.headers.first(name: "location") == "/get")
            }
        }
    }

    @Test("raiseForStatus turns 4xx and 5xx into status errors; without it they are ordinary responses")
    func raiseForStatus() async throws {
        try await withTestServer { server in
            try await withHTTPSession(configuration: HTTPSessionConfiguration(raiseForStatus: true)) { session in
                let url = "\(server.baseURL)/status/404"
                await #expect(throws: HTTPError.status(code: 404, reason: "Not Found", url: url)) {
                    _ = try await session.get(url)
                }
                let noContent = try await session.get("\(server.baseURL)/status/204")
                #expect(noContent.status == .noContent)
            }
            try await withHTTPSession { session in
                let response = try await session.get("\(server.baseURL)/status/503")
                #expect(response.status == .serviceUnavailable)
                #expect(!response.ok)
            }
        }
    }

    @Test("fetchAll returns one result per URL in input order, failures in their own slots")
    func fetchAllOrder() async throws {
        try await withTestServer { server in
            let refused = "http://127.0.0.1:\(closedPort())/get"
            let urls = [
                "\(server.baseURL)/delay/0.3", refused, "\(server.baseURL)/status/500", "\(server.baseURL)/delay/0",
            ]
            let batch = try await fetchAll(urls, maxConcurrent: 4)
            #expect(batch.results.count == 4)
            let first = try batch.results[0].get().decode(Echo.self)
            #expect(first.path == "/delay/0.3")
            guard case .failure(.connectionRefused) = batch.results[1] else {
                Issue.record("expected connectionRefused, got \(batch.results[1])")
                return
            }
            let (third, fourth) = (try batch.results[2].get(), try batch.results[3].get().decode(Echo.self))
            #expect(third.status == .internalServerError)
            #expect(fourth.path == "/delay/0")
            #expect(batch.responses.count == 3)
            #expect(batch.elapsed > .milliseconds(300))
        }
    }

    @Test("fetchAll runs at most maxConcurrent requests at once, and does reach it")
    func fetchAllBound() async throws {
        try await withTestServer { server in
            try await withHTTPSession { session in
                let peak = await peakInFlight(server, limit: 4) { try await session.fetchAll($0, maxConcurrent: 4) }
                #expect(peak.reached)
                #expect(!peak.exceeded)
            }
        }
    }
}

/// Sends 9 slow requests through `fetch`, waits until `limit` are in flight at the server, then gives
/// them half a second to exceed it, counts the connections accepted, and cancels them. With 10-second requests nothing finishes meanwhile,
/// so a broken limit would show as more in flight.
private func peakInFlight(
    _ server: TestServer,
    limit: Int,
    _ fetch: @escaping @Sendable ([String]) async throws -> FetchAllResult
) async -> (reached: Bool, exceeded: Bool, accepted: Int) {
    let urls = Array(repeating: "\(server.baseURL)/delay/10", count: 9)
    let batch = Task { try await fetch(urls) }
    let reached = await server.waitUntil(timeout: .seconds(10)) { $0.inFlight >= limit }
    let exceeded = await server.waitUntil(timeout: .milliseconds(500)) { $0.inFlight > limit }
    // Counted before cancelling: cancelled requests close their connections while the server's handlers
    // of them still run (it counts them in flight until their delay ends), and a request queued in
    // AsyncHTTPClient may be sent on a freed connection before its cancellation lands.
    let accepted = server.stats.acceptedConnections
    let peak = server.stats.maxInFlight
    batch.cancel()
    _ = await batch.result
    return (reached, exceeded || peak > limit, accepted)
}
