import Dispatch
import Foundation
import Parallel

extension BenchSuite {
    /// `concurrent.futures`: the cost of one submitted task, and CPU-bound scaling across cores.
    static let futures = BenchSuite(name: "futures") { context in
        let tasks = context.size(100_000, quick: 20_000)
        let rounds = context.quick ? 1 : 3
        var rows: [BenchRow] = []

        // 1. submit + result of trivial tasks: submit them all, then collect every result.
        let executor = try ThreadPoolExecutor(maxWorkers: 4, threadNamePrefix: "bench")
        _ = try await executor.run { 0 }  // start a thread before timing, as the Python peer does
        var swiftBest = 0.0
        var swiftVerified = true
        for _ in 0..<rounds {
            let (sum, seconds) = try await ThreadPoolExecutor.shared.run {
                try Measure.time { try FuturesBench.submitAndCollect(tasks, on: executor) }
            }
            swiftVerified = swiftVerified && sum == tasks * (tasks - 1) / 2
            swiftBest = max(swiftBest, Double(tasks) / seconds)
        }
        await executor.shutdown()
        context.progress("futures: \(Int(swiftBest)) tasks/s through ThreadPoolExecutor(4)")

        var pythonRow = BenchRow(
            section: "threads & futures", name: "submit+result, \(tasks) trivial tasks", unit: "tasks/s",
            higherIsBetter: true, value: swiftBest, peer: "Python ThreadPoolExecutor(4)",
            goal: "≥ 20×", goalRatio: 20, verified: swiftVerified
        )
        if let python = context.python {
            do {
                let peer = try python.run("futures.py", ["\(tasks)"])
                pythonRow.peerValue = peer["tasks_per_s"]
                if peer["verified"] != 1 { pythonRow.note = "the Python peer's sum was wrong" }
            } catch {
                pythonRow.note = "\(error)"
            }
        } else {
            pythonRow.note = context.pythonMissingReason
        }
        rows.append(pythonRow)

        var dispatchBest = 0.0
        var dispatchVerified = true
        for _ in 0..<rounds {
            let (sum, seconds) = try await ThreadPoolExecutor.shared.run {
                Measure.time { FuturesBench.dispatchSubmitAndCollect(tasks) }
            }
            dispatchVerified = dispatchVerified && sum == tasks * (tasks - 1) / 2
            dispatchBest = max(dispatchBest, Double(tasks) / seconds)
        }
        rows.append(BenchRow(
            section: "threads & futures", name: "submit+result, \(tasks) trivial tasks", unit: "tasks/s",
            higherIsBetter: true, value: swiftBest, peer: "DispatchQueue (concurrent + group)",
            peerValue: dispatchBest, goal: "within 2×", goalRatio: 0.5,
            verified: swiftVerified && dispatchVerified
        ))

        // 2. A CPU-bound job split into chunks across every core, against the same job sequentially.
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let count = UInt64(context.size(400_000_000, quick: 40_000_000))
        let pool = try ThreadPoolExecutor(maxWorkers: cores, threadNamePrefix: "cpu")
        _ = try await pool.run { 0 }
        var sequentialBest = Double.infinity
        var parallelBest = Double.infinity
        var cpuVerified = true
        var coresObtained = 0.0
        for _ in 0..<rounds {
            let (expected, sequential) = try await ThreadPoolExecutor.shared.run {
                Measure.time { FuturesBench.sumOfSquaresMod(0..<count) }
            }
            let cpuBefore = Measure.cpuSeconds()
            let (total, parallel) = try await ThreadPoolExecutor.shared.run {
                try Measure.time { try FuturesBench.parallelSumOfSquaresMod(count, chunks: cores * 8, on: pool) }
            }
            // CPU time over wall time: how many cores the parallel run really got on this machine.
            let obtained = (Measure.cpuSeconds() - cpuBefore) / parallel
            cpuVerified = cpuVerified && total == expected
            sequentialBest = min(sequentialBest, sequential)
            if parallel < parallelBest { coresObtained = obtained }
            parallelBest = min(parallelBest, parallel)
        }
        await pool.shutdown()
        rows.append(BenchRow(
            section: "threads & futures", name: "CPU-bound sum of i² mod p, \(cores) cores vs sequential",
            unit: "× speedup", higherIsBetter: true, value: sequentialBest / parallelBest,
            peer: "ideal (\(cores) cores)", peerValue: Double(cores), goal: "≥ 0.9 × cores", goalRatio: 0.9,
            verified: cpuVerified,
            note: "sequential \(String(format: "%.2f", sequentialBest)) s, parallel \(String(format: "%.2f", parallelBest)) s; "
                + "the parallel run got \(String(format: "%.2f", coresObtained)) cores of CPU time (less than \(cores) means other processes took the rest)"
        ))
        return rows
    }
}

/// The work the futures suite measures, kept out of the suite closure so both sides run the same code.
enum FuturesBench {
    /// Submits `count` trivial tasks, then collects every result; returns the sum.
    @available(*, noasync)
    static func submitAndCollect(_ count: Int, on executor: ThreadPoolExecutor) throws -> Int {
        var futures: [Future<Int>] = []
        futures.reserveCapacity(count)
        for number in 0..<count { futures.append(try executor.submit { number }) }
        var sum = 0
        for future in futures { sum += try future.result() }
        return sum
    }

    /// The same with a concurrent `DispatchQueue` and a `DispatchGroup`: each task writes its slot.
    static func dispatchSubmitAndCollect(_ count: Int) -> Int {
        let queue = DispatchQueue(label: "bench.futures", attributes: .concurrent)
        let group = DispatchGroup()
        let results = UnsafeMutableBufferPointer<Int>.allocate(capacity: count)
        defer { results.deallocate() }
        results.initialize(repeating: 0)
        // Safe: each task writes only its own slot, and the reads happen after `group.wait()`.
        nonisolated(unsafe) let slots = results
        for number in 0..<count {
            queue.async(group: group) { slots[number] = number }
        }
        group.wait()
        return results.reduce(0, +)
    }

    /// Σ (i·i mod 1,000,003) over `range`: plain CPU work the optimiser cannot skip.
    @inline(never)
    static func sumOfSquaresMod(_ range: Range<UInt64>) -> UInt64 {
        var total: UInt64 = 0
        for i in range { total &+= (i &* i) % 1_000_003 }
        return total
    }

    /// `sumOfSquaresMod(0..<count)` split into `chunks` tasks on `executor`.
    @available(*, noasync)
    static func parallelSumOfSquaresMod(_ count: UInt64, chunks: Int, on executor: ThreadPoolExecutor) throws -> UInt64 {
        let size = (count + UInt64(chunks) - 1) / UInt64(chunks)
        let futures = try stride(from: UInt64(0), to: count, by: Int(size)).map { start in
            try executor.submit { sumOfSquaresMod(start..<min(start + size, count)) }
        }
        return try futures.reduce(0) { $0 &+ (try $1.result()) }
    }
}
