// Every example of README.md's "HTTP" section, verbatim. Each starts the embedded test server on
// 127.0.0.1, so running them reaches nothing outside the machine.
import AsyncHTTPClient
import Logging
import Metrics
import Parallel
import ParallelHTTP
import ParallelTestServer
import Tracing

@MainActor
extension ReadmeExamples {
    static func fetchAllExample() async throws {
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
    }

    static func sessionExample() async throws {
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
        }   // the session is shut down here; its sockets finish closing within milliseconds
        await server.shutdown()
    }

    static func streamExample() async throws {
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
    }

    static func observabilityExample() async throws {
        let server = try await TestServer.start()
        var logger = Logger(label: "crawler")
        logger.logLevel = .info
        try await withHTTPSession(logger: logger, metrics: MetricsSystem.factory, tracer: InstrumentationSystem.tracer) { session in
            try await InstrumentationSystem.tracer.withSpan("crawl") { _ in
                _ = try await session.get(server.baseURL + "/get")   // a "GET" span, child of "crawl"
            }
        }
        await server.shutdown()
    }

    static func borrowedClientExample() async throws {
        let server = try await TestServer.start()
        let client = HTTPClient(configuration: .init(redirectConfiguration: .disallow))
        let session = try HTTPSession(client: client)
        print(try await session.get(server.baseURL + "/get").status.code)   // 200
        await session.shutdown()        // ends the session, leaves the client running
        try await client.shutdown()     // the owner's job
        await server.shutdown()
    }
}
