import AsyncHTTPClient
import NIOCore

/// The floor under `HTTPSession` in `par bench http`: the same GETs with AsyncHTTPClient alone, as
/// an application without ParallelHTTP writes them (a task group of `connections` workers, each
/// reading whole bodies), on a client allowed the same number of connections to the host. What
/// HTTPSession adds (limits, retries, timeouts, cookies, metrics) costs the difference; what this
/// row cannot beat, no session on AsyncHTTPClient can.
enum RawHTTPClientFloor {
    /// `requests` GETs of `url` after a warm-up round; returns the seconds and whether every
    /// response was a 200 with a 64-byte body.
    static func measure(_ url: String, requests: Int, connections: Int) async throws -> (seconds: Double, ok: Bool) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            _ = try await fetch(client, url, requests: connections, concurrency: connections)
            let (ok, seconds) = try await Measure.time { try await fetch(client, url, requests: requests, concurrency: connections) }
            try await client.shutdown()
            return (seconds, ok)
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private static func fetch(_ client: HTTPClient, _ url: String, requests: Int, concurrency: Int) async throws -> Bool {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            let share = requests / concurrency
            for worker in 0..<concurrency {
                let count = share + (worker < requests % concurrency ? 1 : 0)
                group.addTask {
                    var ok = true
                    for _ in 0..<count {
                        let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
                        let body = try await response.body.collect(upTo: 1 << 20)
                        ok = ok && response.status == .ok && body.readableBytes == 64
                    }
                    return ok
                }
            }
            var ok = true
            for try await workerOK in group { ok = ok && workerOK }
            return ok
        }
    }
}
