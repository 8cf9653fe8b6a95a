import Foundation
import Parallel

extension BenchSuite {
    /// A big `SharedArray` handed to a worker as a descriptor, against copying the same bytes through
    /// the pool as a normal payload and against Python's `multiprocessing.shared_memory`.
    static let sharedMemory = BenchSuite(name: "shared") { context in
        let section = "shared memory"
        let mib = context.size(1024, quick: 64)
        let count = (mib << 20) / MemoryLayout<Double>.stride

        var python: [String: Double] = [:]
        var pythonNote = context.pythonMissingReason
        if let peer = context.python {
            context.progress("python shared_memory.py")
            do {
                python = try peer.run("shared_memory.py", ["\(mib)"])
                pythonNote = python["verified"] == 1 ? "" : "the Python peer's results were wrong"
            } catch {
                pythonNote = "\(error)"
            }
        }
        func note(_ parts: String?...) -> String? {
            let kept = ([pythonNote.isEmpty ? nil : pythonNote] + parts).compactMap { $0 }
            return kept.isEmpty ? nil : kept.joined(separator: "; ")
        }

        context.progress("fill a \(mib) MiB SharedArray<Double>")
        let array = try SharedArray<Double>(count: count)
        array.withUnsafeMutableBufferPointer { buffer in
            for index in buffer.indices { buffer[index] = Double(index & 1023) }
        }
        // 0, 1, …, 1023 repeated: an exact sum.
        let expectedSum = Double(count / 1024) * 523_776
        var rows: [BenchRow] = []
        var handovers: [Double] = []
        var handoverOK = true
        var sumSeconds = Double.infinity
        var sumOK = true
        var copySeconds = Double.infinity
        var copyOK = true
        try await withProcessPool(workers: 1, maxFrameSize: max(64 << 20, (mib << 20) + (1 << 20))) { pool in
            context.progress("hand a \(mib) MiB SharedArray to a worker")
            _ = try await pool.run(CountShared.self, array)
            for _ in 0..<20 {
                let (counted, seconds) = try await Measure.time { try await pool.run(CountShared.self, array) }
                handovers.append(seconds)
                handoverOK = handoverOK && counted == count
            }
            context.progress("a worker sums the \(mib) MiB SharedArray")
            for _ in 0..<3 {
                let (sum, seconds) = try await Measure.time { try await pool.run(SumShared.self, array) }
                sumSeconds = min(sumSeconds, seconds)
                sumOK = sumOK && sum == expectedSum
            }
            context.progress("copy the same \(mib) MiB through the pool as a [Double]")
            let copy = array.array
            for _ in 0..<2 {
                let (counted, seconds) = try await Measure.time { try await pool.run(CountDoubles.self, copy) }
                copySeconds = min(copySeconds, seconds)
                copyOK = copyOK && counted == count
            }
        }
        handovers.sort()
        let median = handovers[handovers.count / 2]
        let handoverMs = median * 1e3
        rows.append(BenchRow(
            section: section, name: "hand a \(mib) MiB SharedArray<Double> to a worker (a task that returns its count; median of 20)",
            unit: "ms", higherIsBetter: false, value: handoverMs,
            peer: "the same bytes copied through the pool as a [Double] payload (best of 2)", peerValue: copySeconds * 1e3,
            goal: "≥ 100×", goalRatio: 100, verified: handoverOK && copyOK,
            note: "best hand-over \(String(format: "%.3f", handovers[0] * 1e3)) ms; goal ≤ 1 ms: \(handoverMs <= 1 ? "met" : "NOT met")"
        ))
        rows.append(BenchRow(
            section: section, name: "the same hand-over against Python's SharedMemory attached by name in a Pool(1) worker (median of 20)",
            unit: "ms", higherIsBetter: false, value: handoverMs,
            peer: "Python multiprocessing.shared_memory", peerValue: python["handover_ms"],
            verified: handoverOK, note: note()
        ))
        rows.append(BenchRow(
            section: section, name: "a worker sums the \(mib) MiB SharedArray<Double> in place (best of 3)",
            unit: "GiB/s", higherIsBetter: true, value: Double(mib) / 1024 / sumSeconds,
            peer: "Python sum() over the SharedMemory's buffer in a worker", peerValue: python["sum_gib_per_s"],
            verified: sumOK, note: note()
        ))
        return rows
    }
}
