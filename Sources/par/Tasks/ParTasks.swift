#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Parallel

/// The process tasks of `par`'s demos and benchmarks, registered in `Par.tasks`.
enum ParTasks {
    static let all: [any ProcessTask.Type] = [PrintPID.self, SlowSquare.self, SumOfSquares.self, Identity.self, Scramble.self, SumOfSquaresMod.self,
                                                PointSum.self, EchoBulk.self, PeakResident.self, CountShared.self, CountDoubles.self,
                                                SumShared.self]
}

/// The seed's `worker()`: prints "Process: <pid>" in the child.
struct PrintPID: ProcessTask {
    static func run(_ input: Int) async throws -> Int32 {
        let pid = getpid()
        print("Process: \(pid)")
        return pid
    }
}

/// The seed's `compute_square`: sleeps 0.1 s (simulated work), returns n².
struct SlowSquare: ProcessTask {
    static func run(_ n: Int) async throws -> Int {
        try await Task.sleep(for: .milliseconds(100))
        return n * n
    }
}

/// The seed's `cpu_intensive_task`: the sum of i² for i in 0..<n.
struct SumOfSquares: ProcessTask {
    static func run(_ n: Int) async throws -> Int {
        var total = 0
        for i in 0..<n { total &+= i &* i }
        return total
    }
}

/// Returns its input: the trivial task of the throughput benchmarks.
struct Identity: ProcessTask {
    static func run(_ n: Int) async throws -> Int { n }
}

/// CPU-bound work the optimizer cannot shortcut: `rounds` of xorshift mixing from `seed`.
struct Scramble: ProcessTask {
    struct Input: Codable, Sendable {
        var seed: UInt64
        var rounds: Int
    }

    static func run(_ input: Input) async throws -> UInt64 { compute(input) }

    static func compute(_ input: Input) -> UInt64 {
        var x = input.seed | 1
        for _ in 0..<input.rounds {
            x ^= x << 13
            x ^= x >> 7
            x ^= x << 17
        }
        return x
    }
}

/// The comparison table's CPU-bound work: the sum of `(i * i) % 1_000_003` for i in `lower..<upper`.
///
/// The modulus keeps the optimizer from replacing the loop by a closed formula, and Python computes
/// exactly the same numbers (`Benchmarks/python/table.py`).
struct SumOfSquaresMod: ProcessTask {
    struct Input: Codable, Sendable {
        var lower: Int
        var upper: Int
    }

    static let modulus = 1_000_003

    static func run(_ input: Input) async throws -> Int { compute(input) }

    static func compute(_ input: Input) -> Int {
        var total = 0
        for i in input.lower..<max(input.lower, input.upper) { total &+= (i &* i) % modulus }
        return total
    }

    /// `size` split into `parts` contiguous pieces, as the Python peer splits it.
    static func pieces(_ size: Int, _ parts: Int) -> [Input] {
        let step = (size + parts - 1) / parts
        return stride(from: 0, to: size, by: step).map { Input(lower: $0, upper: min(size, $0 + step)) }
    }
}

/// A labelled point: the struct input of the payload benchmark.
struct LabelledPoint: Codable, Sendable, Equatable {
    var x, y, z: Double
    var label: String
}

/// x + y + z of a labelled point.
struct PointSum: ProcessTask {
    static func run(_ point: LabelledPoint) async throws -> Double { point.x + point.y + point.z }
}

/// Bulk data of the four kinds that travel as one copy of their bytes.
struct Bulk: Codable, Sendable, Equatable {
    var doubles: [Double]
    var bytes: [UInt8]
    var data: Data
    var text: String
}

/// Returns its input: the bulk round trip of the payload benchmark.
struct EchoBulk: ProcessTask {
    static func run(_ bulk: Bulk) async throws -> Bulk { bulk }
}

/// The worker's peak resident set since the last reset, in MiB; an input of 1 resets it first.
struct PeakResident: ProcessTask {
    static func run(_ reset: Int) async throws -> Double {
        if reset == 1 { Measure.resetPeakResident() }
        return Measure.peakResidentMiB()
    }
}

/// The number of elements of a shared array, touching none: the hand-over of the shared-memory benchmark.
struct CountShared: ProcessTask {
    static func run(_ array: SharedArray<Double>) async throws -> Int { array.count }
}

/// The number of elements of an array that came as a normal payload: the copy the shared-memory
/// benchmark compares the hand-over with.
struct CountDoubles: ProcessTask {
    static func run(_ array: [Double]) async throws -> Int { array.count }
}

/// The sum of a shared array, read in the worker's mapping of the caller's pages.
struct SumShared: ProcessTask {
    static func run(_ array: SharedArray<Double>) async throws -> Double {
        array.withUnsafeBufferPointer { buffer in
            // Four partial sums: independent additions the processor overlaps.
            var sums = (0.0, 0.0, 0.0, 0.0)
            var index = 0
            while index + 4 <= buffer.count {
                sums.0 += buffer[index]; sums.1 += buffer[index + 1]; sums.2 += buffer[index + 2]; sums.3 += buffer[index + 3]
                index += 4
            }
            while index < buffer.count { sums.0 += buffer[index]; index += 1 }
            return (sums.0 + sums.1) + (sums.2 + sums.3)
        }
    }
}
