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

        // The throughput rows take the median of interleaved rounds: in each round the plain
        // session, the observed one (a real log handler and metrics backend), AsyncHTTPClient alone
        // (the floor) and aiohttp each send the same GETs once, in an order that rotates, so the
        // load of this shared 2-core machine (the server runs on it too) falls on all of them
        // alike. One run of each moved by ±25 % between runs; the median of rounds does not.
        let rounds = context.size(5, quick: 2)
        context.progress("http: \(requests) GETs of 64 bytes over \(connections) connections, \(rounds) rounds of: session, observed session, AsyncHTTPClient alone, aiohttp")
        let url = server.baseURL + "/bytes/64"
        let configuration = HTTPSessionConfiguration(maxConnections: connections)
        var seconds: [[Double]] = [[], [], [], []]
        var throughputOK = true
        var observedOK = true
        var floorOK = true
        var peer: [String: Double]? = nil
        var peerOK = true
        var note = context.pythonMissingReason
        for round in 0..<rounds {
            for kind in (0..<4).map({ (round + $0) % 4 }) {
                switch kind {
                case 0:
                    let (batch, time) = try await withHTTPSession(configuration: configuration) { session in
                        _ = try await session.fetchAll(Array(repeating: url, count: connections), maxConcurrent: connections)
                        return try await Measure.time { try await session.fetchAll(Array(repeating: url, count: requests), maxConcurrent: connections) }
                    }
                    throughputOK = throughputOK && allGot64Bytes(batch)
                    seconds[0].append(time)
                case 1:
                    let (batch, time, counted) = try await fetchObserved(url, requests: requests, configuration: configuration)
                    observedOK = observedOK && allGot64Bytes(batch) && counted == Int64(requests + connections)
                    seconds[1].append(time)
                case 2:
                    let floor = try await RawHTTPClientFloor.measure(url, requests: requests, connections: connections)
                    floorOK = floorOK && floor.ok
                    seconds[2].append(floor.seconds)
                default:
                    guard let python = context.python else { continue }
                    // The seed scenario once, in the first round; throughput in every round.
                    let arguments = [server.baseURL, String(requests), String(connections)] + (peer == nil ? [] : ["--throughput-only"])
                    do {
                        let values = try await toThread { try python.run("http_bench.py", arguments) }
                        if values["aiohttp_missing"] != nil {
                            note = "aiohttp is not installed for \(python.executable) (pip install aiohttp)"
                        } else if let rate = values["requests_per_s"] {
                            peer = (peer ?? [:]).merging(values) { old, _ in old }
                            peerOK = peerOK && (values["requests_ok"] ?? 0) == 1
                            seconds[3].append(Double(requests) / rate)
                            note = ""
                        }
                    } catch {
                        note = "\(error)"
                    }
                }
            }
        }
        let medians = seconds.map { Measure.median($0) }
        let plainRate = Double(requests) / medians[0]
        let peerRate = seconds[3].isEmpty ? nil : Double(requests) / medians[3]

        peerOK = peerOK && (peer.map { ($0["seed_ok"] ?? 0) == 1 } ?? true)
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
                name: "\(requests) GETs of 64 bytes, \(connections) connections (median of \(rounds))",
                unit: "req/s",
                higherIsBetter: true,
                value: plainRate,
                peer: "Python aiohttp limit=\(connections) (median of \(rounds))",
                peerValue: peerRate,
                goal: "≥ 2×",
                goalRatio: 2,
                verified: throughputOK && peerOK,
                note: note.isEmpty ? nil : note
            ),
            BenchRow(
                section: "http",
                name: "the same, logging (info) and metrics on (median of \(rounds))",
                unit: "req/s",
                higherIsBetter: true,
                value: Double(requests) / medians[1],
                peer: "the same, logging and metrics off",
                peerValue: plainRate,
                goal: "≥ 0.95×",
                goalRatio: 0.95,
                verified: observedOK,
                note: "StreamLogHandler on stderr at info, MetricsTestKit's TestMetrics; every request counted"
            ),
            BenchRow(
                section: "http",
                name: "floor: AsyncHTTPClient alone, the same GETs and connections (median of \(rounds))",
                unit: "req/s",
                higherIsBetter: true,
                value: Double(requests) / medians[2],
                peer: "Python aiohttp limit=\(connections)",
                peerValue: peerRate,
                verified: floorOK && peerOK,
                note: "a task group of \(connections) workers on one HTTPClient: what HTTPSession is built on; HTTPSession above is \(String(format: "%.2f", medians[2] / medians[0]))× of it"
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
