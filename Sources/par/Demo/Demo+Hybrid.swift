import Parallel

extension Demo {
    /// The seed's hybrid: async code sends three CPU-bound tasks to a process pool and gathers them.
    static let hybrid = Demo(name: "hybrid", summary: "async code offloads CPU work to a process pool") {
        let results = try await withProcessPool { pool in
            async let first = pool.run(SumOfSquares.self, 100_000)
            async let second = pool.run(SumOfSquares.self, 200_000)
            async let third = pool.run(SumOfSquares.self, 150_000)
            return try await [first, second, third]
        }
        print("Results: \(results)")
    }
}
