import Foundation
import Parallel

extension BenchSuite {
    /// Task inputs and outputs that are not single numbers: structs and bulk data, against Python's
    /// pickling `multiprocessing.Pool` and against a bare socket echo between two processes.
    static let payloads = BenchSuite(name: "payloads") { context in
        let section = "payloads"
        let mapTasks = context.size(100_000, quick: 20_000)
        let bulkMiB = context.size(32, quick: 4)
        let bulkRounds = 8
        let mapRounds = 5
        let mapsPerRound = 3  // as the Python peer's `map` mode

        var python: [String: Double] = [:]
        var pythonNote = context.pythonMissingReason
        if let peer = context.python {
            context.progress("python payloads.py")
            do {
                python = try peer.run("payloads.py", ["\(mapTasks)", "\(bulkMiB)", "bulk"])
                pythonNote = python["verified"] == 1 ? "" : "the Python peer's results were wrong"
            } catch {
                pythonNote = "\(error)"
            }
        }
        func note(_ extra: String? = nil) -> String? {
            let parts = [pythonNote.isEmpty ? nil : pythonNote, extra].compactMap { $0 }
            return parts.isEmpty ? nil : parts.joined(separator: "; ")
        }
        var rows: [BenchRow] = []

        // 1. Many small structs through map.
        context.progress("map \(mapTasks) structs")
        let points = (0..<mapTasks).map { LabelledPoint(x: Double($0), y: Double($0) * 0.5, z: -1, label: "p\($0 % 100)") }
        let expected = points.map { $0.x + $0.y + $0.z }
        var mapSeconds = Double.infinity
        var mapOK = true
        // Each round times three maps, then the Python peer's three (after an untimed one of the
        // same size, in a new pool), so that both meet the same moments of a shared machine: on
        // this one both sides slow down by a third at times, and runs seconds apart did not.
        var pythonMapRate: Double?
        try await withProcessPool(workers: 2) { pool in
            _ = try await pool.map(PointSum.self, points)
            for _ in 0..<mapRounds {
                for _ in 0..<mapsPerRound {
                    let (outputs, seconds) = try await Measure.time { try await pool.map(PointSum.self, points) }
                    mapSeconds = min(mapSeconds, seconds)
                    mapOK = mapOK && outputs == expected
                }
                guard let peer = context.python, pythonNote.isEmpty else { continue }
                do {
                    let round = try peer.run("payloads.py", ["\(mapTasks)", "0", "map"])
                    if round["verified"] != 1 { pythonNote = "the Python peer's results were wrong" }
                    pythonMapRate = max(pythonMapRate ?? 0, round["struct_map_tasks_per_s"] ?? 0)
                } catch {
                    pythonNote = "\(error)"
                }
            }
        }
        rows.append(BenchRow(
            section: section, name: "map, \(mapTasks) structs {x, y, z: Double; label: String} → Double, 2 workers (best of \(mapsPerRound * mapRounds))",
            unit: "tasks/s", higherIsBetter: true, value: Double(mapTasks) / mapSeconds,
            peer: "Python Pool(2).map of dataclasses (best of \(mapsPerRound * mapRounds), in turns with ours)", peerValue: pythonNote.isEmpty ? pythonMapRate : nil,
            goal: "≥ 2×", goalRatio: 2, verified: mapOK, note: note()
        ))

        // 2. One task with bulk data in and the same back: a quarter each of [Double], [UInt8], Data, String.
        context.progress("one task with \(bulkMiB) MiB in and out")
        let quarter = bulkMiB << 18
        var generator = SystemRandomNumberGenerator()
        let bulk = Bulk(
            doubles: (0..<(quarter / 8)).map { _ in Double(bitPattern: generator.next() & 0x7FEF_FFFF_FFFF_FFFF) },
            bytes: (0..<quarter).map { _ in UInt8.random(in: 0...255, using: &generator) },
            data: Data((0..<quarter).map { _ in UInt8.random(in: 0...255, using: &generator) }),
            text: String(repeating: "payload!", count: quarter / 8)
        )
        // The floor: the same number of bytes to another process and back over a socket pair,
        // measured after each timed round of the task, so that both meet the same moments of a
        // shared machine.
        let raw = (0..<(bulkMiB << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        var floorSeconds = Double.infinity
        var bulkSeconds = Double.infinity
        var bulkOK = true
        var parentPeak = 0.0
        var workerPeak = 0.0
        try await withProcessPool(workers: 1, maxFrameSize: max(64 << 20, 2 * bulkMiB << 20)) { pool in
            _ = try await pool.run(EchoBulk.self, Bulk(doubles: [1], bytes: [2], data: Data([3]), text: "4"))
            // Round 0 is the warm-up, of the same size as the Python peer's, and the memory
            // measurement: the first big payload of a process finds no memory to reuse, on either
            // side, so its peak is the honest one. Rounds 1 to 8 are timed, each followed by the floor.
            for round in 0...bulkRounds {
                let parentBase = Measure.residentMiB()
                Measure.resetPeakResident()
                let workerBase = try await pool.run(PeakResident.self, 1)
                let (back, seconds) = try await Measure.time { try await pool.run(EchoBulk.self, bulk) }
                if round > 0 { bulkSeconds = min(bulkSeconds, seconds) }
                bulkOK = bulkOK && back == bulk
                if round == 0 {
                    parentPeak = Measure.peakResidentMiB() - parentBase
                    workerPeak = try await pool.run(PeakResident.self, 0) - workerBase
                } else {
                    floorSeconds = min(floorSeconds, try await socketEchoThroughProcess(raw))
                }
            }
        }
        let bulkRate = Double(bulkMiB) / bulkSeconds
        rows.append(BenchRow(
            section: section, name: "one task, \(bulkMiB) MiB in ([Double], [UInt8], Data, String) and the same back (best of \(bulkRounds))",
            unit: "MiB/s", higherIsBetter: true, value: bulkRate,
            peer: "Python Pool(1).apply, pickled bytes (best of 8)", peerValue: python["bulk_mb_per_s"],
            goal: "≥ 1×", goalRatio: 1, verified: bulkOK, note: note()
        ))

        // 3. The floor, measured in the same rounds (above).
        rows.append(BenchRow(
            section: section, name: "the same task against the floor: \(bulkMiB) MiB to another process and back over a socket pair (best of \(bulkRounds), each after a round of the task)",
            unit: "MiB/s", higherIsBetter: true, value: bulkRate,
            peer: "socket pair echo through cat", peerValue: Double(bulkMiB) / floorSeconds,
            goal: "≥ 0.5×", goalRatio: 0.5, verified: bulkOK
        ))

        // 4. What that task costs in memory, in copies of its payload, on each side.
        rows.append(BenchRow(
            section: section, name: "peak memory of the \(bulkMiB) MiB task beyond its input, in copies of the payload: parent",
            unit: "copies", higherIsBetter: false, value: parentPeak / Double(bulkMiB),
            peer: "worker", peerValue: workerPeak / Double(bulkMiB), verified: bulkOK && parentPeak > 0,
            note: "VmHWM growth during the task; the parent's includes the output it keeps"
        ))
        return rows
    }
}
