// README examples inside the methods of an actor: the body of each scoped API runs in the actor's
// isolation, as it runs in the main actor's in the other files.
import Parallel
import ParallelHTTP
import ParallelTestServer

actor ReadmeActor {
    /// State of the actor's own, which the examples' closures may touch.
    private var runs = 0

    func processMap() async throws {
        let squares = try await withProcessPool(workers: 2) { pool in
            try await pool.map(Square.self, [1, 2, 3, 4, 5])
        }
        print(squares)   // [1, 4, 9, 16, 25]
        runs += 1
    }

    func processRun() async throws {
        let sums = try await withProcessPool(workers: 2) { pool in
            async let a = pool.run(SumOfSquares.self, 100_000)
            async let b = pool.run(SumOfSquares.self, 200_000)
            async let c = pool.run(SumOfSquares.self, 150_000)
            return try await [a, b, c]
        }
        print(sums)   // [333328333350000, 2666646666700000, 1124988750025000]
        runs += 1
    }

    func gatherTuple() async throws {
        let (name, answer) = try await gather(
            { "Ada" },
            { 6 * 7 }
        )
        runs += 1; print(name, answer)
    }

    func timeoutAndConcurrentMap() async throws {
        let page = try await withTimeout(.seconds(5)) { "<html>…</html>" }
        let lengths = try await ["a", "bb", "ccc"].concurrentMap(maxConcurrency: 2) { $0.count }
        runs += 1; print(page, lengths)
    }

    func retryWithBackoff() async throws {
        let attempts = LockedValue(0)
        let reply = try await retry(maxAttempts: 3, backoff: Backoff(initial: .milliseconds(1))) {
            attempts.withLock { $0 += 1 }
            return "ok"
        }
        runs += 1; print(reply)
    }

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
        }   // the session is shut down here; its sockets finish closing within milliseconds
        await server.shutdown()
        runs += 1
    }

    func streamExample() async throws {
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
        runs += 1
    }

    /// Runs every example above; returns how many ran.
    func runAll() async throws -> Int {
        try await processMap()
        try await processRun()
        try await gatherTuple()
        try await timeoutAndConcurrentMap()
        try await retryWithBackoff()
        try await sessionExample()
        try await streamExample()
        return runs
    }
}
