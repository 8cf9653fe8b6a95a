#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
@testable import Parallel
import ParallelTestTasks
import Testing

@Suite("SharedArray in workers", .serialized, .timeLimit(.minutes(1)))
struct SharedArrayPoolTests {
    let executable = TestWorker.executable

    @Test("a worker reads and writes the caller's pages: it sums them, its writes are seen here, and it keeps nothing after",
          arguments: [ProcessPool.StartMethod.spawn, .forkServer])
    func workerSharesThePages(startMethod: ProcessPool.StartMethod) async throws {
        let shmBefore = sharedMemoryNames()
        let array = try SharedArray((0..<100_000).map(Double.init))
        let file = try #require(inode(of: array))
        try await withProcessPool(workers: 1, executable: executable, startMethod: startMethod) { pool in
            let sum = try await pool.run(SumShared.self, array)
            #expect(sum == 4_999_950_000)
            let worker = try await pool.run(ScaleShared.self, SharedScaling(array: array, factor: 2))
            #expect(array[99_999] == 199_998)
            #expect(array.array == (0..<100_000).map { Double($0) * 2 })
            // One more round trip: the worker has finished with the request before it.
            #expect(try await pool.run(Square.self, 3) == 9)
            #expect(holdings(of: file, in: worker) == (0, 0), "the worker let go of the array after its task")
            #expect(holdings(of: file, in: getpid()) == (1, 1), "here only the array itself holds its memory")
        }
        #expect(sharedMemoryNames() == shmBefore)
    }

    @Test("an array a worker makes travels back as a descriptor; it is freed here when dropped, and the worker keeps none")
    func workerMadeArrayComesBack() async throws {
        try await withProcessPool(workers: 1, executable: executable) { pool in
            let worker = try await pool.run(WorkerPID.self, 0)
            var made: SharedArray<Int>? = try await pool.run(MakeShared.self, 1_000)
            let file = try #require(made.flatMap { inode(of: $0) })
            #expect(made?.array == Array(0..<1_000))
            #expect(try await pool.run(Square.self, 3) == 9)
            #expect(try await pool.run(WorkerPID.self, 0) == worker, "the same worker made it")
            #expect(holdings(of: file, in: worker) == (0, 0))
            #expect(holdings(of: file, in: getpid()) == (1, 1))
            made = nil
            #expect(holdings(of: file, in: getpid()) == (0, 0), "the last holder let go: nothing is left")
        }
    }

    @Test("a worker killed while it holds an array leaks nothing: the caller's array is intact and, once dropped, gone")
    func killedWorkerLeaksNothing() async throws {
        let marker = try Marker()
        let shmBefore = sharedMemoryNames()
        var array: SharedArray<Double>? = try SharedArray(repeating: 1.5, count: 1 << 20)
        let file = try #require(array.flatMap { inode(of: $0) })
        try await withProcessPool(workers: 1, executable: executable) { pool in
            let input = HoldShared.Input(array: try #require(array), marker: marker.path)
            let held = Task { try await pool.run(HoldShared.self, input) }
            guard let victim = await marker.blockingWorker() else {
                held.cancel()
                Issue.record("the worker never ran the task")
                return
            }
            #expect(holdings(of: file, in: victim).mappings == 1, "the worker maps the array while it runs")
            #expect(kill(victim, SIGKILL) == 0)
            await #expect(throws: ProcessPoolError.workerCrashed(task: "HoldShared", exit: .signaled(signal: SIGKILL))) {
                try await held.value
            }
            #expect(try await pool.run(SumShared.self, try #require(array)) == 1.5 * Double(1 << 20))
        }
        #expect(holdings(of: file, in: getpid()) == (1, 1), "only the array itself")
        array = nil
        #expect(holdings(of: file, in: getpid()) == (0, 0))
        #expect(sharedMemoryNames() == shmBefore)
    }

    @Test("an array decoded as the wrong element type is a decoding failure, and the worker closes the descriptor it got")
    func wrongElementType() async throws {
        let array = try SharedArray<Float>(repeating: 1, count: 10)
        let file = try #require(inode(of: array))
        try await withProcessPool(workers: 1, executable: executable) { pool in
            let worker = try await pool.run(WorkerPID.self, 0)
            let error = await #expect(throws: ProcessPoolError.self) { try await pool.run(SumSharedAsFloats.self, array) }
            guard case .decodingFailed(_, let message)? = error else {
                Issue.record("expected decodingFailed, got \(String(describing: error))")
                return
            }
            #expect(message.contains("use the same element type on both sides"), "\(message)")
            #expect(try await pool.run(Square.self, 3) == 9)
            #expect(holdings(of: file, in: worker) == (0, 0))
        }
    }

    @Test("a ParallelProcess child gets and returns shared arrays as descriptors too: its writes are seen here")
    func parallelProcessSharesToo() async throws {
        let array = try SharedArray<Double>(repeating: 2, count: 1_000)
        let child = try await ParallelProcess.start(
            ScaleShared.self, SharedScaling(array: array, factor: 3), executable: TestWorker.executable
        )
        #expect(try await child.value == child.pid)
        #expect(array.allSatisfy { $0 == 6 })
        var maker: ParallelProcess<MakeShared>? = try await ParallelProcess.start(MakeShared.self, 10, executable: TestWorker.executable)
        var made: SharedArray<Int>? = try await maker?.value
        #expect(made?.array == Array(0..<10))
        let file = try #require(made.flatMap { inode(of: $0) })
        #expect(holdings(of: file, in: getpid()).mappings == 1, "only the decoded array maps it")
        made = nil
        maker = nil
        // The child's watcher thread lets go of the reply's descriptors as it ends, which sends no event.
        #expect(await eventually { holdings(of: file, in: getpid()) == (0, 0) }, "the reply's descriptors go with the process")
    }

    @Test("without a descriptor table (JSON to a file, a pipe) a SharedArray does not encode: a typed error says why, no copy")
    func noDescriptorsNoSharedArray() throws {
        let array = try SharedArray<Double>(count: 4)
        let error = #expect(throws: EncodingError.self) { try WireCodec.encode(array) }
        guard case .invalidValue(_, let context)? = error else { return }
        #expect(context.debugDescription.contains("cannot carry descriptors"))
        #expect(throws: EncodingError.self) { try JSONEncoder().encode(array) }
    }
}
