#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Parallel
import ParallelTestTasks
import Testing

/// The reports of one call, as the pool makes them, readable by the test as they come.
private final class Reports: Sendable {
    let stream: AsyncStream<MapProgress>
    private let continuation: AsyncStream<MapProgress>.Continuation
    private let all = LockedValue<[MapProgress]>([])

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: MapProgress.self)
    }

    var callback: @Sendable (MapProgress) -> Void {
        { [all, continuation] report in
            all.withLock { $0.append(report) }
            continuation.yield(report)
        }
    }

    var received: [MapProgress] { all.withLock { $0 } }

    /// Each report counts at least as much as the one before.
    var onlyGrow: Bool {
        let reports = received
        return zip(reports, reports.dropFirst()).allSatisfy { $0.completed <= $1.completed && $0.failed <= $1.failed }
    }
}

@Suite("Progress of map, mapResults and the imaps", .timeLimit(.minutes(1)))
struct MapProgressTests {
    let executable = TestWorker.executable

    @Test("map reports once per chunk, counts only grow, and the last report is every input of the known total")
    func mapReportsEachChunk() async throws {
        let reports = Reports()
        let squares = try await withProcessPool(workers: 2, executable: executable) { pool in
            try await pool.map(Square.self, Array(1...100), chunkSize: 10, progress: reports.callback)
        }
        #expect(squares == (1...100).map { $0 * $0 })
        #expect(reports.received.count == 10)
        #expect(reports.received.allSatisfy { $0.total == 100 && $0.failed == 0 && $0.completed % 10 == 0 })
        #expect(reports.onlyGrow)
        #expect(reports.received.last == MapProgress(completed: 100, failed: 0, total: 100))
    }

    @Test("chunks are reported as they finish, not in input order: a blocked chunk does not hold back the ones after it")
    func reportsInCompletionOrder() async throws {
        let marker = try Marker()
        let reports = Reports()
        try await withProcessPool(workers: 2, executable: executable) { pool in
            // The second input blocks its worker (until it is killed); the first and third run on the other one.
            let inputs = [1, -1, 2, 3].map { BlockWhenNegative.Input(n: $0, marker: marker.path) }
            let map = Task { try await pool.mapResults(BlockWhenNegative.self, inputs, chunkSize: 1, progress: reports.callback) }
            // Two inputs are reported while the second still blocks: not held back behind it.
            // (The report read here, not the latest one: the fourth input may finish meanwhile.)
            var seen = 0
            var reached: MapProgress?
            for await report in reports.stream where seen < 10 {
                seen += 1
                if report.completed == 2 {
                    reached = report
                    break
                }
            }
            #expect(reached == MapProgress(completed: 2, failed: 0, total: 4))
            if let blocked = await marker.blockingWorker() { #expect(kill(blocked, SIGKILL) == 0) } else { Issue.record("the first input never started") }
            let results = try await map.value
            #expect(results[1] == .failure(.workerCrashed(task: "BlockWhenNegative", exit: .signaled(signal: SIGKILL))))
            #expect([0, 2, 3].map { try? results[$0].get() } == [1, 2, 3])
        }
        #expect(reports.received.last == MapProgress(completed: 4, failed: 1, total: 4))
        #expect(reports.onlyGrow)
    }

    @Test("mapResults counts the failed inputs among the completed ones")
    func mapResultsCountsFailures() async throws {
        let reports = Reports()
        let results = try await withProcessPool(workers: 2, executable: executable) { pool in
            try await pool.mapResults(FailOnNegative.self, [1, -2, 3, -4, 5, -6, 7], chunkSize: 2, progress: reports.callback)
        }
        #expect(results.count == 7)
        #expect(reports.received.count == 4)
        #expect(reports.received.last == MapProgress(completed: 7, failed: 3, total: 7))
        #expect(reports.received.last?.description == "7/7 (3 failed)")
        #expect(reports.onlyGrow)
    }

    @Test("map's last report counts the failing chunk, and map throws its failure")
    func mapReportsTheFailure() async throws {
        let reports = Reports()
        await #expect(throws: ProcessPoolError.taskFailed(task: "FailOnNegative", type: "ParallelTestTasks.TestFailure", message: "failed on purpose: -3 is negative")) {
            try await withProcessPool(workers: 1, executable: executable) { pool in
                try await pool.map(FailOnNegative.self, [1, 2, -3, 4, 5], chunkSize: 1, progress: reports.callback)
            }
        }
        #expect(reports.received.last == MapProgress(completed: 3, failed: 1, total: 5))
        #expect(reports.onlyGrow)
    }

    @Test("imap over a collection knows its total from the start; over another sequence, the last report has it")
    func imapTotals() async throws {
        let known = Reports()
        let unknown = Reports()
        try await withProcessPool(workers: 2, executable: executable) { pool in
            for try await _ in try pool.imap(Square.self, Array(1...6), chunkSize: 2, progress: known.callback) {}
            let inputs = sequence(first: 1) { $0 < 6 ? $0 + 1 : nil }
            var outputs: [Int] = []
            for try await output in try pool.imapUnordered(Square.self, inputs, chunkSize: 2, window: 1, progress: unknown.callback) {
                outputs.append(output)
            }
            #expect(outputs.sorted() == [1, 4, 9, 16, 25, 36])
        }
        #expect(known.received.map(\.completed) == [2, 4, 6])
        #expect(known.received.allSatisfy { $0.total == 6 })
        // The end of the inputs is seen after the last chunk's report: one more report brings the total.
        #expect(unknown.received.map(\.completed) == [2, 4, 6, 6])
        #expect(unknown.received.first?.total == nil)
        #expect(unknown.received.last?.total == 6)
        #expect(unknown.received.last?.fractionCompleted == 1)
    }

    @Test("a report reads as completed/total, with the failures when there are some")
    func description() {
        #expect(MapProgress(completed: 50, failed: 0, total: 100).description == "50/100")
        #expect(MapProgress(completed: 50, failed: 1, total: nil).description == "50 (1 failed)")
        #expect(MapProgress(completed: 50, failed: 1, total: 100).fractionCompleted == 0.5)
        #expect(MapProgress(completed: 0, failed: 0, total: 0).fractionCompleted == 1)
        #expect(MapProgress(completed: 3, failed: 0, total: nil).fractionCompleted == nil)
    }
}
