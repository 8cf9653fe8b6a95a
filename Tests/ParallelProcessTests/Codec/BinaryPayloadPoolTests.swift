import Foundation
import Parallel
import ParallelTestTasks
import Testing

@Suite("Process pool: struct inputs and outputs travel in the binary format", .timeLimit(.minutes(2)))
struct BinaryPayloadPoolTests {
    @Test("a struct holding a [Double] (NaN and infinities included, which JSON refuses) and a String goes to a worker and back")
    func structThroughWorker() async throws {
        let inputs = [
            Series(values: [1.5, -.infinity, .nan, .greatestFiniteMagnitude / 4], name: "a"),
            Series(values: (0..<100_000).map(Double.init), name: "ü"),
            Series(values: [], name: ""),
        ]
        let outputs = try await withProcessPool(workers: 1, executable: TestWorker.executable) { pool in
            try await pool.map(Scale.self, inputs)
        }
        #expect(outputs.map(\.name) == ["a×2", "ü×2", "×2"])
        for (input, output) in zip(inputs, outputs) {
            #expect(output.values.map(\.bitPattern) == input.values.map { ($0 * 2).bitPattern })
        }
    }

    @Test("inputs and outputs of several MiB, pipelined between small ones on one worker, arrive whole (big frames are read straight into their buffers)")
    func bigPayloadsThroughWorker() async throws {
        let big = Series(values: (0..<(1 << 20)).map { Double($0) + 0.5 }, name: String(repeating: "ü", count: 3 << 20))
        let other = Series(values: (0..<((5 << 20) / 8)).map { -Double($0) }, name: "big")
        let small = Series(values: [1, 2], name: "small")
        let inputs = [small, big, small, other, big, small]
        let outputs = try await withProcessPool(workers: 1, executable: TestWorker.executable) { pool in
            try await pool.map(Scale.self, inputs, chunkSize: 1)
        }
        #expect(outputs.count == inputs.count)
        for (input, output) in zip(inputs, outputs) {
            #expect(output.name == input.name + "×2")
            #expect(output.values == input.values.map { $0 * 2 })
        }
    }
}
