import Testing
import ParallelHTTP
import ParallelTestServer

/// The examples of the README's HTTP section, verbatim, so they compile and run.
@Suite("README: HTTP examples", .timeLimit(.minutes(1)))
struct ReadmeHTTPTests {
    @Test("the seed's example: three slow GETs and a failing URL, in one fetchAll")
    func seedExample() async throws {
        let server = try await TestServer.start()
        let urls = ["/delay/1", "/delay/2", "/delay/1"].map { server.baseURL + $0 } + ["http://127.0.0.1:1/"]

        let batch = try await fetchAll(urls, maxConcurrent: 10)
        for (url, result) in zip(urls, batch.results) {
            switch result {
            case .success(let response): print(url, response.status.code, try response.text().count, "characters")
            case .failure(let error): print(url, "Error: \(error)")   // connection refused by 127.0.0.1:1; is the server running …?
            }
        }
        print("Completed in \(batch.elapsed)")             // about 2 s: the slowest request, not the sum
        print("Received \(batch.results.count) responses")
        await server.shutdown()

        #expect(batch.responses.count == 3)
        #expect(server.stats.maxInFlight == 3, "the three requests overlap at the server")
        guard case .failure(.connectionRefused(host: "127.0.0.1", port: 1)) = batch.results[3] else {
            Issue.record("expected connectionRefused for port 1, got \(batch.results[3])")
            return
        }
    }

    @Test("a session with limits, timeouts, retries and typed errors")
    func sessionExample() async throws {
        let server = try await TestServer.start()
        var configuration = HTTPSessionConfiguration(maxConnections: 20, maxConnectionsPerHost: 5)
        configuration.timeouts = HTTPTimeouts(connect: .seconds(2), read: .seconds(10), total: .seconds(30))
        configuration.retry = HTTPRetryPolicy(maxAttempts: 3)   // GET, PUT, DELETE…: on 429, 5xx and refused connections
        configuration.raiseForStatus = true

        try await withHTTPSession(configuration: configuration) { session in
            struct Echo: Decodable { let method: String; let path: String }
            let echo = try await session.get(server.baseURL + "/get").decode(Echo.self)
            print(echo.method, echo.path)                     // GET /get

            do throws(HTTPError) {
                _ = try await session.get(server.baseURL + "/status/404")
            } catch .status(let code, let reason, _) {
                print("server said \(code) \(reason)")        // server said 404 Not Found
            }
        }   // every connection is closed here
        await server.shutdown()

        #expect(server.stats.requests == 2)
    }

    @Test("streaming a body as an AsyncSequence with a size limit")
    func streamingExample() async throws {
        let server = try await TestServer.start()
        let lines = try await withHTTPSession { session in
            try await session.stream(.GET, server.baseURL + "/stream/100", maxBytes: 1 << 20) { response in
                var count = 0
                for try await chunk in response.body { count += chunk.filter { $0 == UInt8(ascii: "\n") }.count }
                return count
            }
        }
        print("\(lines) JSON lines")                      // 100 JSON lines
        await server.shutdown()

        #expect(lines == 100)
    }
}
