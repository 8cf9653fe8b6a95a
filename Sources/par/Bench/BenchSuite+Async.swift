import Parallel

extension BenchSuite {
    /// The async toolkit against Python's asyncio (run side by side) and Swift's `AsyncStream`.
    static let async = BenchSuite(name: "async") { context in
        let section = "async"
        let gatherCount = context.size(100_000, quick: 20_000)
        let semaphoreOps = context.size(1_000_000, quick: 100_000)
        let contendedTasks = 100
        let contendedOps = context.size(1_000, quick: 200)
        // A multiple of 1,000: the one-task queue row works in batches of 1,000.
        let queueItems = context.size(1_000_000, quick: 100_000)
        let generatorItems = context.size(1_000_000, quick: 100_000)

        context.progress("async: Python asyncio peer")
        var python: [String: Double] = [:]
        var pythonNote: String? = context.python == nil ? context.pythonMissingReason : nil
        if let peer = context.python {
            do {
                python = try peer.run("asyncio_bench.py", [gatherCount, semaphoreOps, contendedTasks, contendedOps,
                                                          queueItems, generatorItems].map(String.init))
            } catch {
                pythonNote = "\(error)"
            }
        }

        context.progress("async: gather")
        let gather = try await best { try await gatherSuspendingOnce(gatherCount) }
        let bareGroup = await best { await bareTaskGroup(gatherCount) }
        context.progress("async: semaphore")
        let uncontended = try await best { try await semaphoreUncontended(semaphoreOps) }
        let contended = try await best { try await semaphoreContended(tasks: contendedTasks, ops: contendedOps) }
        context.progress("async: queue")
        let queue = try await best { try await queuePutGet(queueItems) }
        let queueOneTask = try await best { try await queuePutGetOneTask(queueItems) }
        context.progress("async: generator")
        let generator = try await best { try await generatorThroughput(generatorItems) }
        let stream = await best { await asyncStreamThroughput(generatorItems) }
        let channel = await best { await asyncChannelThroughput(generatorItems) }
        // asyncio's model: every task of the run on one thread. The same code, preferring a
        // one-thread executor: no hand-off wakes another thread, no lock moves between cores.
        context.progress("async: one-thread executor")
        let loop = try ThreadPoolExecutor(maxWorkers: 1, threadNamePrefix: "bench-loop")
        let (gatherOnLoop, queueOnLoop, generatorOnLoop) = try await withTaskExecutorPreference(loop) {
            (try await best { try await gatherSuspendingOnce(gatherCount) },
             try await best { try await queuePutGet(queueItems) },
             try await best { try await generatorThroughput(generatorItems) })
        }
        await loop.shutdown()
        let onLoop = "on one thread, as asyncio runs: withTaskExecutorPreference(ThreadPoolExecutor(maxWorkers: 1))"

        return [
            BenchRow(section: section, name: "gather \(gatherCount) operations that each suspend once", unit: "ops/s",
                     higherIsBetter: true, value: gather.rate, peer: "Python asyncio.gather + sleep(0)",
                     peerValue: python["gather_ops_per_s"], goal: "≥ 10×", goalRatio: 10, verified: gather.verified,
                     note: pythonNote),
            BenchRow(section: section, name: "gather \(gatherCount) operations that each suspend once", unit: "ops/s",
                     higherIsBetter: true, value: gather.rate, peer: "bare DiscardingTaskGroup, same children",
                     peerValue: bareGroup.rate, verified: gather.verified && bareGroup.verified,
                     note: "the floor set by the executor: creating, scheduling and resuming 100,000 child tasks"),
            BenchRow(section: section, name: "gather \(gatherCount) operations that each suspend once, one thread",
                     unit: "ops/s", higherIsBetter: true, value: gatherOnLoop.rate, peer: "Python asyncio.gather + sleep(0)",
                     peerValue: python["gather_ops_per_s"], verified: gatherOnLoop.verified,
                     note: pythonNote ?? "\(onLoop). Barely faster than on all cores: the time is the runtime's task creation (malloc, status records), not thread hand-offs"),
            BenchRow(section: section, name: "AsyncSemaphore acquire/release, uncontended", unit: "ops/s",
                     higherIsBetter: true, value: uncontended.rate, peer: "Python asyncio.Semaphore",
                     peerValue: python["semaphore_uncontended_ops_per_s"], verified: uncontended.verified,
                     note: pythonNote),
            BenchRow(section: section, name: "AsyncSemaphore(4), \(contendedTasks) tasks × \(contendedOps), yield inside",
                     unit: "ops/s", higherIsBetter: true, value: contended.rate, peer: "Python asyncio.Semaphore",
                     peerValue: python["semaphore_contended_ops_per_s"], verified: contended.verified,
                     note: pythonNote),
            BenchRow(section: section, name: "AsyncQueue(maxSize: 1000) put/get, 1 producer + 1 consumer", unit: "items/s",
                     higherIsBetter: true, value: queue.rate, peer: "Python asyncio.Queue",
                     peerValue: python["queue_items_per_s"], goal: "≥ 10×", goalRatio: 10, verified: queue.verified,
                     note: pythonNote),
            BenchRow(section: section, name: "AsyncQueue(maxSize: 1000) put/get, 1 producer + 1 consumer, one thread",
                     unit: "items/s", higherIsBetter: true, value: queueOnLoop.rate, peer: "Python asyncio.Queue",
                     peerValue: python["queue_items_per_s"], goal: "≥ 10×", goalRatio: 10, verified: queueOnLoop.verified,
                     note: pythonNote ?? "\(onLoop): the like-for-like run"),
            BenchRow(section: section, name: "AsyncQueue(maxSize: 1000) put ×1000 then get ×1000, one task", unit: "items/s",
                     higherIsBetter: true, value: queueOneTask.rate, peer: "Python asyncio.Queue, same loop",
                     peerValue: python["queue_same_task_items_per_s"], goal: "≥ 10×", goalRatio: 10,
                     verified: queueOneTask.verified,
                     note: pythonNote ?? "the cost of put/get themselves, without two threads contending for the queue's lock"),
            BenchRow(section: section, name: "AsyncGenerator elements (pull, one in flight)", unit: "items/s",
                     higherIsBetter: true, value: generator.rate, peer: "AsyncStream (producer task, unbounded buffer)",
                     peerValue: stream.rate, goal: "≥ 1×", goalRatio: 1, verified: generator.verified && stream.verified,
                     note: "two task switches per element (consumer → producer → consumer); perf puts the time in the global executor waking a worker thread (sem_post → futex) on each resume. AsyncStream's producer runs ahead and batches instead"),
            BenchRow(section: section, name: "AsyncGenerator elements (pull, one in flight)", unit: "items/s",
                     higherIsBetter: true, value: generator.rate, peer: "AsyncChannel (rendezvous, one in flight)",
                     peerValue: channel.rate, verified: generator.verified && channel.verified,
                     note: "the like-for-like peer: a back-pressured hand-off between two tasks also costs two task switches"),
            BenchRow(section: section, name: "AsyncGenerator elements (pull, one in flight)", unit: "items/s",
                     higherIsBetter: true, value: generator.rate, peer: "Python async generator",
                     peerValue: python["generator_items_per_s"], goal: "match", goalRatio: 1, verified: generator.verified,
                     note: pythonNote ?? "Python's generator runs in its consumer's frame: no task switch at all"),
            BenchRow(section: section, name: "AsyncGenerator elements (pull, one in flight), one thread", unit: "items/s",
                     higherIsBetter: true, value: generatorOnLoop.rate, peer: "Python async generator",
                     peerValue: python["generator_items_per_s"], verified: generatorOnLoop.verified,
                     note: pythonNote ?? "\(onLoop). The body follows its consumer's executor; two task switches per element remain, spent in the runtime"),
        ]
    }
}

/// One measurement: a rate, and whether the work's result was checked and right.
private struct Rate {
    var rate: Double
    var verified: Bool
}

/// The best of three runs (highest rate); verified only if every run was.
private func best(_ run: () async throws -> Rate) async rethrows -> Rate {
    var result = Rate(rate: 0, verified: true)
    for _ in 0..<3 {
        let rate = try await run()
        result.rate = max(result.rate, rate.rate)
        result.verified = result.verified && rate.verified
    }
    return result
}

private func gatherSuspendingOnce(_ count: Int) async throws -> Rate {
    let operations: [@Sendable () async throws -> Int] = (0..<count).map { index in
        { @Sendable in
            await Task.yield()
            return index
        }
    }
    let (values, seconds) = try await Measure.time { try await gather(operations) }
    return Rate(rate: Double(count) / seconds, verified: values == Array(0..<count))
}

private func semaphoreUncontended(_ count: Int) async throws -> Rate {
    let semaphore = try AsyncSemaphore(value: 1)
    let (_, seconds) = try await Measure.time {
        for _ in 0..<count {
            try await semaphore.acquire()
            semaphore.release()
        }
    }
    return Rate(rate: Double(count) / seconds, verified: semaphore.availablePermits == 1)
}

private func semaphoreContended(tasks: Int, ops: Int) async throws -> Rate {
    let semaphore = try AsyncSemaphore(value: 4)
    let inside = LockedValue((now: 0, peak: 0))
    let (_, seconds) = try await Measure.time {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<tasks {
                group.addTask {
                    for _ in 0..<ops {
                        try await semaphore.withPermit {
                            inside.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) }
                            await Task.yield()
                            inside.withLock { $0.now -= 1 }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }
    let peak = inside.withLock { $0.peak }
    return Rate(rate: Double(tasks * ops) / seconds, verified: peak <= 4 && semaphore.availablePermits == 4)
}

private func queuePutGet(_ count: Int) async throws -> Rate {
    let queue = try AsyncQueue<Int>(maxSize: 1_000)
    let (total, seconds) = try await Measure.time {
        async let produced: Void = {
            for i in 0..<count { try await queue.put(i) }
        }()
        var total = 0
        for _ in 0..<count { total &+= try await queue.get() }
        try await produced
        return total
    }
    return Rate(rate: Double(count) / seconds, verified: total == count * (count - 1) / 2)
}

private func queuePutGetOneTask(_ count: Int) async throws -> Rate {
    let queue = try AsyncQueue<Int>(maxSize: 1_000)
    let (total, seconds) = try await Measure.time {
        var total = 0
        for batch in stride(from: 0, to: count, by: 1_000) {
            for i in batch..<batch + 1_000 { try await queue.put(i) }
            for _ in 0..<1_000 { total &+= try await queue.get() }
        }
        return total
    }
    return Rate(rate: Double(count) / seconds, verified: total == count * (count - 1) / 2)
}

private func bareTaskGroup(_ count: Int) async -> Rate {
    let sum = LockedValue(0)
    let (_, seconds) = await Measure.time {
        await withDiscardingTaskGroup { group in
            for index in 0..<count {
                group.addTask {
                    await Task.yield()
                    sum.withLock { $0 &+= index }
                }
            }
        }
    }
    return Rate(rate: Double(count) / seconds, verified: sum.withLock { $0 } == count * (count - 1) / 2)
}

private func generatorThroughput(_ count: Int) async throws -> Rate {
    let numbers = AsyncGenerator<Int, any Error> { yield in
        for i in 0..<count { try await yield(i) }
    }
    let (total, seconds) = try await Measure.time {
        var total = 0
        for try await value in numbers { total &+= value }
        return total
    }
    return Rate(rate: Double(count) / seconds, verified: total == count * (count - 1) / 2)
}

private func asyncStreamThroughput(_ count: Int) async -> Rate {
    let (total, seconds) = await Measure.time {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let producer = Task {
            for i in 0..<count { continuation.yield(i) }
            continuation.finish()
        }
        var total = 0
        for await value in stream { total &+= value }
        await producer.value
        return total
    }
    return Rate(rate: Double(count) / seconds, verified: total == count * (count - 1) / 2)
}

private func asyncChannelThroughput(_ count: Int) async -> Rate {
    let (total, seconds) = await Measure.time {
        let channel = AsyncChannel<Int>()
        let producer = Task {
            for i in 0..<count { await channel.send(i) }
            channel.finish()
        }
        var total = 0
        for await value in channel { total &+= value }
        await producer.value
        return total
    }
    return Rate(rate: Double(count) / seconds, verified: total == count * (count - 1) / 2)
}
