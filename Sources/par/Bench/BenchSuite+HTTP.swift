import Foundation
import Logging
import MetricsTestKit
import Parallel
import ParallelHTTP

extension BenchSuite {
    /// HTTP: the seed's three slow GETs, and many small GETs over a bounded pool, against the same
    /// server for Swift and for Python's aiohttp: `par serve` in a process of its own, so each client
    /// has its process to itself.
    static let http = BenchSuite(name: "http") { context in
        // Blocking waits go to the package's own threads (`toThread`), never the cooperative pool.
        let server = try await toThread { try ServerProcess.start() }
        defer { server.stop() }
        let requests = context.size(10_000, quick: 2_000)
        let connections = 100

        context.progress("http: seed scenario (/delay/1, /delay/2, /delay/1 at once)")
        let seedURLs = ["/delay/1", "/delay/2", "/delay/1"].map { server.baseURL + $0 }
        let seed = try await fetchAll(seedURLs)
        let seedOK = seed.results.allSatisfy { (try? $0.get().status) == .ok }
        let seedSeconds = Measure.seconds(seed.elapsed)

        context.progress("http: \(requests) GETs of 64 bytes over \(connections) connections")
        let url = server.baseURL + "/bytes/64"
        let configuration = HTTPSessionConfiguration(maxConnections: connections)
        let (batch, seconds) = try await withHTTPSession(configuration: configuration) { session in
            _ = try await session.fetchAll(Array(repeating: url, count: connections), maxConcurrent: connections)
            return try await Measure.time { try await session.fetchAll(Array(repeating: url, count: requests), maxConcurrent: connections) }
        }
        let throughputOK = allGot64Bytes(batch)

        // What observing costs: the same with a real log handler and metrics backend.
        context.progress("http: the same with logging and metrics on")
        let (observedBatch, observedSeconds, counted) = try await fetchObserved(url, requests: requests, configuration: configuration)
        let observedOK = allGot64Bytes(observedBatch) && counted == Int64(requests + connections)

        // The floor: AsyncHTTPClient alone, the same requests over as many connections.
        context.progress("http: AsyncHTTPClient alone (the floor)")
        let floor = try await RawHTTPClientFloor.measure(url, requests: requests, connections: connections)

        var peer: [String: Double]? = nil
        var note = context.pythonMissingReason
        if let python = context.python {
            context.progress("http: aiohttp peer")
            let arguments = [server.baseURL, String(requests), String(connections)]
            do {
                let values = try await toThread { try python.run("http_bench.py", arguments) }
                if values["aiohttp_missing"] != nil {
                    note = "aiohttp is not installed for \(python.executable) (pip install aiohttp)"
                } else {
                    peer = values
                    note = ""
                }
            } catch {
                note = "\(error)"
            }
        }

        let peerOK = peer.map { ($0["seed_ok"] ?? 0) == 1 && ($0["requests_ok"] ?? 0) == 1 } ?? true
        let seedGoalMet = seedSeconds <= 2.1
        return [
            BenchRow(
                section: "http",
                name: "seed: GET /delay/1, /delay/2, /delay/1 at once",
                unit: "s",
                higherIsBetter: false,
                value: seedSeconds,
                peer: "Python aiohttp + gather",
                peerValue: peer?["seed_s"],
                goal: "≤ 2.1 s",
                verified: seedOK && peerOK,
                note: [seedGoalMet ? "goal met" : "goal missed: over 2.1 s", note].filter { !$0.isEmpty }.joined(separator: "; ")
            ),
            BenchRow(
                section: "http",
                name: "\(requests) GETs of 64 bytes, \(connections) connections",
                unit: "req/s",
                higherIsBetter: true,
                value: Double(requests) / seconds,
                peer: "Python aiohttp limit=\(connections)",
                peerValue: peer?["requests_per_s"],
                goal: "≥ 2×",
                goalRatio: 2,
                verified: throughputOK && peerOK,
                note: note.isEmpty ? nil : note
            ),
            BenchRow(
                section: "http",
                name: "the same, logging (info) and metrics on",
                unit: "req/s",
                higherIsBetter: true,
                value: Double(requests) / observedSeconds,
                peer: "the same, logging and metrics off",
                peerValue: Double(requests) / seconds,
                goal: "≥ 0.95×",
                goalRatio: 0.95,
                verified: observedOK,
                note: "StreamLogHandler on stderr at info, MetricsTestKit's TestMetrics; every request counted"
            ),
            BenchRow(
                section: "http",
                name: "floor: AsyncHTTPClient alone, the same GETs and connections",
                unit: "req/s",
                higherIsBetter: true,
                value: Double(requests) / floor.seconds,
                peer: "Python aiohttp limit=\(connections)",
                peerValue: peer?["requests_per_s"],
                verified: floor.ok && peerOK,
                note: "a task group of \(connections) workers on one HTTPClient: what HTTPSession is built on; HTTPSession above is \(String(format: "%.2f", floor.seconds / seconds))× of it"
            ),
        ]
    }

}

/// `requests` GETs of `url` after a warm-up round, as `par bench http` times them, with a real log
/// handler (swift-log's stream handler on stderr, at info) and metrics backend (swift-metrics'
/// in-memory `TestMetrics`); returns the batch, its seconds and the requests the metrics counted.
private func fetchObserved(
    _ url: String, requests: Int, configuration: HTTPSessionConfiguration
) async throws -> (FetchAllResult, Double, Int64) {
    var logger = Logger(label: "par.bench.http", factory: { label in StreamLogHandler.standardError(label: label) })
    logger.logLevel = .info
    let metrics = TestMetrics()
    let connections = configuration.maxConnections
    let (batch, seconds) = try await withHTTPSession(configuration: configuration, logger: logger, metrics: metrics) { session in
        _ = try await session.fetchAll(Array(repeating: url, count: connections), maxConcurrent: connections)
        return try await Measure.time { try await session.fetchAll(Array(repeating: url, count: requests), maxConcurrent: connections) }
    }
    return (batch, seconds, metrics.counterTotal(label: "parallel_http_requests"))
}

/// Whether every request of `batch` got the 64 bytes of `/bytes/64`.
private func allGot64Bytes(_ batch: FetchAllResult) -> Bool {
    batch.results.allSatisfy { result in
        guard case .success(let response) = result else { return false }
        return response.status == .ok && response.body.count == 64
    }
}
