#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Parallel
import ParallelTestTasks
import Testing

/// Inputs that count how many were pulled (to check that `imap` reads ahead only a window).
struct CountingInputs: Sequence {
    let limit: Int
    let pulled: LockedValue<Int>

    func makeIterator() -> AnyIterator<Int> {
        var next = 0
        return AnyIterator {
            guard next < limit else { return nil }
            defer { next += 1 }
            pulled.withLock { $0 += 1 }
            return next
        }
    }
}

@Suite("ProcessPool reliability", .serialized, .timeLimit(.minutes(1)))
struct ProcessPoolReliabilityTests {
    let executable = TestWorker.executable

    @Test("a worker SIGKILLed in the middle of a 10,000-task map fails only its task; every input ends as a result or a typed error; later work succeeds")
    func killedMidMap() async throws {
        try await withProcessPool(workers: 2, executable: executable) { pool in
            var inputs = Array(0..<10_000)
            inputs[5_000] = -1
            let results = try await pool.mapResults(CrashOnNegative.self, inputs, chunkSize: 1)
            #expect(results.count == 10_000)
            for (index, result) in results.enumerated() {
                switch result {
                case .success(let output): #expect(output == inputs[index])
                case .failure(let error):
                    #expect(index == 5_000)
                    #expect(error == .workerCrashed(task: "CrashOnNegative", exit: .signaled(signal: SIGKILL)))
                }
            }
            #expect(results.filter { (try? $0.get()) == nil }.count == 1)
            #expect(pool.workerProcessIDs.count == 2)
            let later = try await pool.map(Square.self, Array(0..<100))
            #expect(later == (0..<100).map { $0 * $0 })
        }
    }

    @Test("a worker SIGKILLed from outside in the middle of a 10,000-task map fails only the task it was running")
    func killedFromOutsideMidMap() async throws {
        let marker = try Marker()
        try await withProcessPool(workers: 2, executable: executable) { pool in
            var inputs = (0..<10_000).map { BlockWhenNegative.Input(n: $0, marker: marker.path) }
            inputs[5_000].n = -1
            let map = Task { try await pool.mapResults(BlockWhenNegative.self, inputs, chunkSize: 1) }
            // The blocked worker writes its pid when it reaches input 5,000.
            guard let victim = await marker.blockingWorker() else {
                map.cancel()
                Issue.record("the worker never reached input 5,000")
                return
            }
            #expect(kill(victim, SIGKILL) == 0)
            let results = try await map.value
            #expect(results.count == 10_000)
            for (index, result) in results.enumerated() where index != 5_000 {
                #expect((try? result.get()) == index)
            }
            #expect(results[5_000] == .failure(.workerCrashed(task: "BlockWhenNegative", exit: .signaled(signal: SIGKILL))))
            let later = try await pool.map(Square.self, [1, 2, 3])
            #expect(later == [1, 4, 9])
        }
    }

    @Test("a pool leaves no process, zombie or descriptor behind, even after crashes and timeouts")
    func nothingLeftBehind() async throws {
        // Run in a process of its own: other tests open and close descriptors in this one meanwhile.
        let (report, _, status) = try await runTestWorker(["leaks"])
        #expect(status == 0)
        // "workers N alive [] children [] descriptors BEFORE AFTER"
        let fields = report.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
        try #require(fields.count == 9, "unexpected report: \(report)")
        #expect((Int(fields[1]) ?? 0) >= 2, "the pool had at least its two workers: \(report)")
        #expect(fields[3] == "[]", "workers still running: \(report)")
        #expect(fields[5] == "[]", "workers not reaped: \(report)")
        #expect(fields[7] == fields[8], "descriptors before and after differ: \(report)")
    }

    @Test("a dropped pool kills and reaps its workers")
    func droppedPoolCleansUp() async throws {
        var pool: ProcessPool? = try ProcessPool(workers: 2, executable: executable)
        let pids = try await pool?.map(WorkerPID.self, Array(0..<4), chunkSize: 1) ?? []
        pool = nil
        for pid in Set(pids) {
            #expect(await eventually { !isRunning(pid) && !isOurZombie(pid) })
        }
    }

    @Test("when the parent is SIGKILLed its workers exit within a second")
    func parentDeathKillsWorkers() async throws {
        let parent = Process()
        parent.executableURL = URL(fileURLWithPath: TestWorker.path)
        parent.arguments = ["parent", "2"]
        let output = Pipe()
        parent.standardOutput = output
        try parent.run()
        let line = output.fileHandleForReading.availableData
        let pids = String(decoding: line, as: UTF8.self).split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
        #expect(pids.count == 2)
        for pid in pids { #expect(isRunning(pid)) }
        // The parent's own children: its fork server; the server's: the workers and its spares.
        let servers = childrenOf(parent.processIdentifier)
        #expect(!servers.isEmpty)
        let children = servers + servers.flatMap(childrenOf)
        kill(parent.processIdentifier, SIGKILL)
        parent.waitUntilExit()
        for pid in pids + children {
            #expect(await eventually(within: .seconds(1)) { !isRunning(pid) }, "process \(pid) outlived its parent")
        }
    }

    @Test("imap streams outputs in input order; imapUnordered yields every output")
    func imapOrders() async throws {
        try await withProcessPool(workers: 2, executable: executable) { pool in
            var ordered: [Int] = []
            for try await square in try pool.imap(Square.self, 0..<500, chunkSize: 7) { ordered.append(square) }
            #expect(ordered == (0..<500).map { $0 * $0 })
            var unordered: [Int] = []
            for try await square in try pool.imapUnordered(Square.self, 0..<500, chunkSize: 3) { unordered.append(square) }
            #expect(unordered.sorted() == (0..<500).map { $0 * $0 })
        }
    }

    @Test("imap pulls inputs only a bounded window ahead of the consumer")
    func imapIsBounded() async throws {
        try await withProcessPool(workers: 2, executable: executable) { pool in
            let pulled = LockedValue(0)
            var consumed = 0
            for try await _ in try pool.imap(Square.self, CountingInputs(limit: 1_000_000, pulled: pulled), chunkSize: 10, window: 4) {
                consumed += 1
                if consumed == 100 { break }
            }
            #expect(pulled.withLock { $0 } <= 100 + 4 * 10)
            let output = try await pool.run(Square.self, 12)
            #expect(output == 144)
        }
    }

    @Test("leaving an imap loop early kills the work still in flight, so the pool is free at once")
    func imapBreakStopsWork() async throws {
        let markers = [try Marker(), try Marker()]
        try await withProcessPool(workers: 2, executable: executable) { pool in
            // Input 0 answers; the two after it block both workers until they are killed.
            let inputs = [BlockWhenNegative.Input(n: 0, marker: markers[0].path)]
                + markers.map { BlockWhenNegative.Input(n: -1, marker: $0.path) }
            var blocked: [Int32] = []
            for try await output in try pool.imap(BlockWhenNegative.self, inputs, window: 3) {
                #expect(output == 0)
                for marker in markers {
                    if let pid = await marker.blockingWorker() { blocked.append(pid) }
                }
                break
            }
            try #require(blocked.count == 2, "the blocking inputs never ran on both workers")
            for pid in blocked {
                #expect(await eventually { !isRunning(pid) }, "worker \(pid) kept running work nobody awaits")
            }
            let clock = ContinuousClock()
            let start = clock.now
            let output = try await pool.run(Square.self, 7)
            #expect(output == 49)
            #expect(clock.now - start < .seconds(10), "the blocked tasks kept their workers busy")
        }
    }

    @Test("cancelling an imapUnordered consumer kills the hung work in flight, so the pool is free at once")
    func imapCancellationStopsWork() async throws {
        let markers = [try Marker(), try Marker()]
        try await withProcessPool(workers: 2, executable: executable) { pool in
            let inputs = markers.map { BlockWhenNegative.Input(n: -1, marker: $0.path) }
            let consumer = Task {
                for try await _ in try pool.imapUnordered(BlockWhenNegative.self, inputs) {}
            }
            // Each worker writes its pid once it is running its input: both are busy now.
            var blocked: [Int32] = []
            for marker in markers {
                if let pid = await marker.blockingWorker() { blocked.append(pid) }
            }
            consumer.cancel()
            try #require(blocked.count == 2, "the inputs never ran on both workers")
            await #expect(throws: CancellationError.self) { try await consumer.value }
            for pid in blocked {
                #expect(await eventually { !isRunning(pid) }, "worker \(pid) kept running cancelled work")
            }
            let clock = ContinuousClock()
            let start = clock.now
            let output = try await pool.run(Square.self, 7)
            #expect(output == 49)
            #expect(clock.now - start < .seconds(10), "the hung tasks kept their workers busy")
        }
    }

    @Test("imap throws the first failure in order")
    func imapThrows() async throws {
        try await withProcessPool(workers: 2, executable: executable) { pool in
            var seen: [Int] = []
            await #expect(throws: ProcessPoolError.taskFailed(
                task: "FailOnNegative", type: "ParallelTestTasks.TestFailure", message: "failed on purpose: -1 is negative"
            )) {
                for try await value in try pool.imap(FailOnNegative.self, [0, 1, 2, -1, 4, 5]) { seen.append(value) }
            }
            #expect(seen == [0, 1, 2])
        }
    }

    @Test("map throws the first failure in input order")
    func mapThrowsFirstFailure() async throws {
        try await withProcessPool(workers: 2, executable: executable) { pool in
            await #expect(throws: ProcessPoolError.taskFailed(
                task: "FailOnNegative", type: "ParallelTestTasks.TestFailure", message: "failed on purpose: -2 is negative"
            )) {
                try await pool.map(FailOnNegative.self, [0, 1, -2, 3, -4], chunkSize: 2)
            }
        }
    }

    @Test("a lazy pool starts no worker before its first task")
    func lazyStart() async throws {
        try await withProcessPool(workers: 2, executable: executable, start: .lazy) { pool in
            #expect(pool.workerProcessIDs.isEmpty)
            let output = try await pool.run(Square.self, 3)
            #expect(output == 9)
        }
    }
}
