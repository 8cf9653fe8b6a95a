import Foundation
import Parallel

extension Demo {
    /// The seed's `asyncio.gather` example: three workers sleeping 2, 1 and 3 s, gathered.
    static let asyncio = Demo(name: "asyncio", summary: "gather three workers (2 s, 1 s, 3 s): results in argument order, ≈ 3 s in all") {
        @Sendable func worker(_ name: String, _ delay: Duration) async throws -> String {
            print("Started \(name)")
            try await Task.sleep(for: delay)   // a non-blocking pause
            print("Finished \(name)")
            return "Result from \(name)"
        }
        let clock = ContinuousClock()
        let start = clock.now
        let results = try await gather(
            { try await worker("Task-1", .seconds(2)) },
            { try await worker("Task-2", .seconds(1)) },
            { try await worker("Task-3", .seconds(3)) }
        )
        let elapsed = Measure.seconds(clock.now - start)
        print("All results: [\(results.0), \(results.1), \(results.2)]")
        print("Elapsed: \(String(format: "%.2f", elapsed)) s (the workers overlap: not 6 s)")
    }
}
