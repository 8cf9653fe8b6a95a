import Parallel

extension Demo {
    /// The seed's `multiprocessing.Pool().map(compute_square, [1, 2, 3, 4, 5])`.
    static let pool = Demo(name: "pool", summary: "a process pool maps compute_square over 1…5") {
        let clock = ContinuousClock()
        let start = clock.now
        let results = try await withProcessPool(workers: 2) { pool in
            try await pool.map(SlowSquare.self, [1, 2, 3, 4, 5])
        }
        print("Results: \(results)")
        print("(2 workers, 0.1 s per task: \(clock.now - start))")
    }
}
