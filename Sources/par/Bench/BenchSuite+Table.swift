import Foundation
import Parallel
import ParallelHTTP
import ParallelTestServer

extension BenchSuite {
    /// The seed's comparison table, measured: the same CPU-bound and I/O-bound work through each tool,
    /// with wall time, speedup over sequential, cores busy and memory, beside Python's same approaches.
    ///
    /// CPU-bound rows compare throughput (Swift does far more work in the same time, so the sizes
    /// differ: timing Python on Swift's size would take minutes). I/O-bound rows do the same waits on
    /// both sides and compare wall time.
    static let table = BenchSuite(name: "table") { context in
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var rows = try await cpuRows(context, cores: cores)
        rows += try await sleepRows(context)
        rows += try await httpRows(context)
        return rows
    }

    // MARK: CPU-bound: sum of squares mod p, split into pieces.

    private static func cpuRows(_ context: BenchContext, cores: Int) async throws -> [BenchRow] {
        let section = "table: CPU-bound"
        let parts = cores * 4
        let size = context.size(2_000_000_000, quick: 50_000_000)
        let pythonSize = context.size(20_000_000, quick: 1_000_000)
        let pieces = SumOfSquaresMod.pieces(size, parts)

        context.progress("CPU-bound: sequential")
        let (expected, sequential) = await Measure.profile { SumOfSquaresMod.compute(.init(lower: 0, upper: size)) }

        context.progress("CPU-bound: ThreadPoolExecutor(\(cores))")
        let (threads, threadsProfile) = try await Measure.profile { () async throws -> Int in
            let executor = try ThreadPoolExecutor(maxWorkers: cores)
            let futures = try pieces.map { piece in try executor.submit { SumOfSquaresMod.compute(piece) } }
            var total = 0
            for future in futures { total &+= try await future.value }
            await executor.shutdown()
            return total
        }

        context.progress("CPU-bound: ProcessPool(\(cores))")
        let ((processes, workerPeak), processesProfileWithoutWorkers) = try await Measure.profile {
            () async throws -> (Int, Double) in
            // Spawned workers: they are this process's children, so their CPU time is counted (forked
            // ones belong to the fork server, out of this process's rusage).
            try await withProcessPool(workers: cores, startMethod: .spawn) { pool in
                let total = try await pool.map(SumOfSquaresMod.self, pieces, progress: context.mapProgress).reduce(0, &+)
                // Read while the workers live: the largest one's own memory.
                return (total, pool.workerProcessIDs.map(Measure.peakResidentMiB(of:)).max() ?? 0)
            }
        }
        var processesProfile = processesProfileWithoutWorkers
        processesProfile.memoryMiB += workerPeak

        context.progress("CPU-bound: task group")
        let (group, groupProfile) = await Measure.profile { () async -> Int in
            await withTaskGroup(of: Int.self) { group in
                for piece in pieces { group.addTask { SumOfSquaresMod.compute(piece) } }
                return await group.reduce(0, &+)
            }
        }

        let python = pythonRuns(context, kind: "cpu", approaches: ["sequential", "threads", "processes"],
                                size: pythonSize, parts: parts)
        let pythonExpected = python["sequential"]?.result
        let throughput = Double(size) / 1e6
        func row(_ approach: String, _ result: Int, _ profile: RunProfile, peer: String?) -> BenchRow {
            var profile = profile
            profile.speedup = sequential.seconds / profile.seconds
            let peerRun = peer.flatMap { python[$0] }
            var peerProfile = peerRun?.profile
            if let base = python["sequential"]?.profile.seconds, let seconds = peerProfile?.seconds {
                peerProfile?.speedup = base / seconds
            }
            let peerRight = peerRun.map { $0.result == pythonExpected } ?? true
            return BenchRow(
                section: section, name: approach, unit: "M elements/s", higherIsBetter: true,
                value: throughput / profile.seconds,
                peer: peer.map { "Python \($0)" },
                peerValue: peerRun.map { Double(pythonSize) / 1e6 / $0.profile.seconds },
                verified: result == expected && peerRight,
                note: peer != nil && peerRun == nil ? python.isEmpty ? context.pythonMissingReason : "the Python run failed" : nil,
                profile: profile, peerProfile: peerProfile
            )
        }
        return [
            row("sequential", expected, sequential, peer: "sequential"),
            row("ThreadPoolExecutor(\(cores))", threads, threadsProfile, peer: "threads"),
            row("ProcessPool(\(cores))", processes, processesProfile, peer: "processes"),
            row("task group (cooperative pool)", group, groupProfile, peer: nil),
        ]
    }

    // MARK: I/O-bound: sleeps.

    private static func sleepRows(_ context: BenchContext) async throws -> [BenchRow] {
        let section = "table: I/O-bound (sleeps)"
        let count = context.size(50, quick: 10)
        let milliseconds = context.size(100, quick: 50)
        let sleep = Duration.milliseconds(milliseconds)

        context.progress("I/O-bound: \(count) sleeps of \(milliseconds) ms, sequential")
        let (sequentialCount, sequential) = try await Measure.profile { () async throws -> Int in
            try await toThread {
                (0..<count).reduce(0) { total, _ in usleep(UInt32(milliseconds * 1000)); return total + 1 }
            }
        }
        context.progress("I/O-bound: threads")
        let (threadsCount, threads) = try await Measure.profile { () async throws -> Int in
            let executor = try ThreadPoolExecutor(maxWorkers: count)
            let futures = try (0..<count).map { _ in try executor.submit { usleep(UInt32(milliseconds * 1000)); return 1 } }
            var total = 0
            for future in futures { total += try await future.value }
            await executor.shutdown()
            return total
        }
        context.progress("I/O-bound: async gather")
        let (asyncCount, asyncProfile) = try await Measure.profile { () async throws -> Int in
            try await gather((0..<count).map { _ in { @Sendable () async throws -> Int in try await Task.sleep(for: sleep); return 1 } })
                .reduce(0, +)
        }
        let python = pythonRuns(context, kind: "io", approaches: ["sequential", "threads", "asyncio"],
                                size: milliseconds, parts: count)
        func row(_ approach: String, _ result: Int, _ profile: RunProfile, peer: String) -> BenchRow {
            var profile = profile
            profile.speedup = sequential.seconds / profile.seconds
            var peerProfile = python[peer]?.profile
            if let base = python["sequential"]?.profile.seconds, let seconds = peerProfile?.seconds {
                peerProfile?.speedup = base / seconds
            }
            return BenchRow(
                section: section, name: "\(count) × \(milliseconds) ms, \(approach)", unit: "s", higherIsBetter: false,
                value: profile.seconds, peer: "Python \(peer)", peerValue: peerProfile?.seconds,
                verified: result == count && (python[peer].map { Int($0.result) == count } ?? true),
                note: python[peer] == nil ? (python.isEmpty ? context.pythonMissingReason : "the Python run failed") : nil,
                profile: profile, peerProfile: peerProfile
            )
        }
        return [
            row("sequential", sequentialCount, sequential, peer: "sequential"),
            row("ThreadPoolExecutor", threadsCount, threads, peer: "threads"),
            row("async gather", asyncCount, asyncProfile, peer: "asyncio"),
        ]
    }

    // MARK: I/O-bound: GETs to the embedded server's /delay.

    private static func httpRows(_ context: BenchContext) async throws -> [BenchRow] {
        let section = "table: I/O-bound (HTTP)"
        let count = context.size(20, quick: 5)
        let server = try await TestServer.start()
        let url = server.baseURL + "/delay/0.1"
        context.progress("I/O-bound: \(count) GETs of /delay/0.1, one at a time")
        let (sequentialCount, sequential) = try await Measure.profile { () async throws -> Int in
            try await withHTTPSession { session in
                var ok = 0
                for _ in 0..<count where try await session.get(url).status.code == 200 { ok += 1 }
                return ok
            }
        }
        context.progress("I/O-bound: \(count) GETs at once (fetchAll)")
        let (asyncCount, asyncProfile) = try await Measure.profile { () async throws -> Int in
            try await fetchAll(Array(repeating: url, count: count), maxConcurrent: count).responses.count
        }
        await server.shutdown()
        var asyncRun = asyncProfile
        asyncRun.speedup = sequential.seconds / asyncProfile.seconds
        var sequentialRun = sequential
        sequentialRun.speedup = 1
        let note = "aiohttp is compared in the http suite"
        return [
            BenchRow(section: section, name: "\(count) GETs of /delay/0.1, one at a time", unit: "s",
                     higherIsBetter: false, value: sequential.seconds, verified: sequentialCount == count,
                     note: note, profile: sequentialRun),
            BenchRow(section: section, name: "\(count) GETs of /delay/0.1, async (fetchAll)", unit: "s",
                     higherIsBetter: false, value: asyncProfile.seconds, verified: asyncCount == count,
                     note: note, profile: asyncRun),
        ]
    }

    // MARK: Python

    /// One Python run of `Benchmarks/python/table.py`: its profile and its result.
    private struct PythonRun {
        var profile: RunProfile
        var result: Double
    }

    /// Runs `table.py KIND APPROACH SIZE PARTS` for each approach; missing entries mean Python was
    /// absent or the run failed.
    private static func pythonRuns(
        _ context: BenchContext, kind: String, approaches: [String], size: Int, parts: Int
    ) -> [String: PythonRun] {
        guard let python = context.python else { return [:] }
        var runs: [String: PythonRun] = [:]
        for approach in approaches {
            context.progress("Python \(kind) \(approach)")
            guard let output = try? python.run("table.py", [kind, approach, "\(size)", "\(parts)"]),
                  let seconds = output["seconds"], let cpu = output["cpu_seconds"],
                  let memory = output["peak_mib"], let result = output["result"] else { continue }
            runs[approach] = PythonRun(
                profile: RunProfile(seconds: seconds, speedup: nil, cpuCores: cpu / max(seconds, 1e-9), memoryMiB: memory),
                result: result
            )
        }
        return runs
    }
}
