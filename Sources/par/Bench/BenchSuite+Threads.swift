import Foundation
import Parallel

extension BenchSuite {
    /// Threads: the cost of an uncontended `Lock` next to `NSLock`, and `Queue` hand-off throughput
    /// between two threads next to Python's `queue.Queue`.
    static let threads = BenchSuite(name: "threads") { context in
        let section = "threads"
        var rows: [BenchRow] = []

        let iterations = context.size(20_000_000, quick: 2_000_000)
        context.progress("threads: uncontended Lock vs NSLock, \(iterations) acquire+release each")
        let lock = Lock()
        let nsLock = NSLock()
        let counter = UncontendedCounter()
        // Warm up both, then measure each twice and keep the better run, so neither pays for page
        // faults or frequency ramp-up the other did not.
        _ = counter.count(iterations / 10, with: lock)
        _ = counter.count(iterations / 10, with: nsLock)
        let lockRuns = (0..<2).map { _ in Measure.time { counter.count(iterations, with: lock) } }
        let nsLockRuns = (0..<2).map { _ in Measure.time { counter.count(iterations, with: nsLock) } }
        let lockNanos = lockRuns.map(\.seconds).min().map { $0 * 1e9 / Double(iterations) } ?? 0
        let nsLockNanos = nsLockRuns.map(\.seconds).min().map { $0 * 1e9 / Double(iterations) } ?? 0
        rows.append(BenchRow(
            section: section,
            name: "uncontended Lock acquire+release",
            unit: "ns",
            higherIsBetter: false,
            value: lockNanos,
            peer: "Foundation NSLock",
            peerValue: nsLockNanos,
            goal: "≥ 1× (as fast)",
            goalRatio: 0.95,
            verified: (lockRuns + nsLockRuns).allSatisfy { $0.result == iterations }
        ))

        let items = context.size(1_000_000, quick: 100_000)
        context.progress("threads: Queue hand-off of \(items) items, 1 producer → 1 consumer")
        let queue = try Queue<Int>(maxSize: 1024)
        let (total, seconds) = try Measure.time { () throws -> Int in
            let consumer = try spawnThread(name: "bench-consumer") { () throws -> Int in
                var total = 0
                for _ in 0..<items { total += try queue.get() }
                return total
            }
            for item in 0..<items { try queue.put(item) }
            return try consumer.join()
        }
        var queueRow = BenchRow(
            section: section,
            name: "Queue put→get between 2 threads, \(items) items",
            unit: "items/s",
            higherIsBetter: true,
            value: Double(items) / seconds,
            peer: "Python queue.Queue",
            verified: total == items * (items - 1) / 2
        )
        if let python = context.python {
            let result = try python.run("threads.py", [String(items)])
            queueRow.peerValue = result["queue_items_per_s"]
            if result["queue_sum_ok"] != 1 { queueRow.note = "the Python peer's sum was wrong" }
        } else {
            queueRow.note = context.pythonMissingReason
        }
        rows.append(queueRow)
        return rows
    }
}

/// A counter bumped under a lock, kept in a class so the optimiser cannot drop the loop.
private final class UncontendedCounter: @unchecked Sendable {
    // Safe: only the benchmark's single thread uses it.
    var value = 0

    /// Runs `iterations` lock–increment–unlock rounds on a `Lock` and returns the count reached.
    func count(_ iterations: Int, with lock: Lock) -> Int {
        value = 0
        for _ in 0..<iterations {
            lock.lock()
            value += 1
            lock.unlock()
        }
        return value
    }

    /// The same rounds on an `NSLock`.
    func count(_ iterations: Int, with lock: NSLock) -> Int {
        value = 0
        for _ in 0..<iterations {
            lock.lock()
            value += 1
            lock.unlock()
        }
        return value
    }
}
