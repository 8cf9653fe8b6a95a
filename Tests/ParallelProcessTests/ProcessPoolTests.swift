#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Parallel
import ParallelTestTasks
import Testing

@Suite("ProcessPool", .timeLimit(.minutes(1)))
struct ProcessPoolTests {
    @Test("map returns every output in input order")
    func mapInOrder() async throws {
        let squares = try await withProcessPool(workers: 2, executable: TestWorker.executable) { pool in
            try await pool.map(Square.self, Array(1...1000))
        }
        #expect(squares == (1...1000).map { $0 * $0 })
    }

    @Test("run returns the task's output from another process")
    func runInAnotherProcess() async throws {
        let pid = try await withProcessPool(workers: 1, executable: TestWorker.executable) { pool in
            try await pool.run(WorkerPID.self, 0)
        }
        #expect(pid != getpid())
        #expect(pid > 0)
    }
}
