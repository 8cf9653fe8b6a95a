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
}
