// Tasks the process tests run in `ParallelTestWorker`, shared by the tests and the worker.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import InMemoryTracing
import Parallel
import Tracing

/// n → n².
public struct Square: ProcessTask {
    public static func run(_ n: Int) async throws -> Int { n * n }
}

/// n → the sum of i² for i in 0..<n (the seed's CPU-bound task).
public struct SumOfSquares: ProcessTask {
    public static func run(_ n: Int) async throws -> Int {
        var total = 0
        for i in 0..<n { total &+= i &* i }
        return total
    }
}

/// Returns the worker's pid.
public struct WorkerPID: ProcessTask {
    public static func run(_ input: Int) async throws -> Int32 { getpid() }
}

/// The error `Fail` throws.
public struct TestFailure: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { "failed on purpose: \(reason)" }
}

/// Throws `TestFailure` for negative inputs, echoes the others.
public struct FailOnNegative: ProcessTask {
    public static func run(_ n: Int) async throws -> Int {
        if n < 0 { throw TestFailure(reason: "\(n) is negative") }
        return n
    }
}

/// Blocks its worker for `seconds` (a task that hangs). Tests that kill, cancel or time it out ask
/// for an hour: longer than any test's time limit, so a late kill (a slow, loaded machine, or
/// ThreadSanitizer) fails by the limit, never by the task finishing first and answering.
public struct Hang: ProcessTask {
    public static func run(_ seconds: Int) async throws -> Int {
        sleep(UInt32(seconds))
        return seconds
    }
}

/// Sleeps `milliseconds`, then returns them.
public struct Nap: ProcessTask {
    public static func run(_ milliseconds: Int) async throws -> Int {
        usleep(UInt32(milliseconds) * 1000)
        return milliseconds
    }
}

/// Sleeps `milliseconds`, then returns the worker's pid: which worker ran it, after a while.
public struct NapPID: ProcessTask {
    public static func run(_ milliseconds: Int) async throws -> Int32 {
        usleep(UInt32(milliseconds) * 1000)
        return getpid()
    }
}

/// Kills its own worker with SIGKILL when the input is negative; echoes the others.
public struct CrashOnNegative: ProcessTask {
    public static func run(_ n: Int) async throws -> Int {
        if n < 0 { kill(getpid(), SIGKILL) }
        return n
    }
}

/// Calls `abort()` for inputs that end in 9 (every tenth), echoes the others: a crash storm.
public struct AbortEveryTenth: ProcessTask {
    public static func run(_ n: Int) async throws -> Int {
        if n % 10 == 9 { abort() }
        return n
    }
}

/// Traps with `fatalError`, whose message names the input: the runtime writes `Fatal error: …` and
/// then its crash report on standard error.
public struct Trap: ProcessTask {
    public static func run(_ n: Int) async throws -> Int {
        fatalError("the task gave up on \(n)")
    }
}

/// Writes `whisper <n>` to standard error, as a task's own diagnostics would, and echoes `n`.
public struct Whisper: ProcessTask {
    public static func run(_ n: Int) async throws -> Int {
        var line = Array("whisper \(n)\n".utf8)
        _ = line.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        return n
    }
}

/// Opens a span `work` in the worker (in the context the request carried) and returns its trace id,
/// its parent's span id (empty if none) and `n` (the worker must trace to an `InMemoryTracer`:
/// `--in-memory-tracer`).
public struct SpanInWorker: ProcessTask {
    public static func run(_ n: Int) async throws -> [String] {
        withSpan("work") { span in
            let context = span.context.inMemorySpanContext
            return [context?.traceID ?? "", context?.parentSpanID ?? "", "\(n)"]
        }
    }
}

/// Exits its worker with the given status.
public struct Exit: ProcessTask {
    public static func run(_ status: Int32) async throws -> Int { exit(status) }
}

/// Writes bytes that are not a frame onto the worker's channel (descriptor 3), then answers.
public struct WriteGarbage: ProcessTask {
    public static func run(_ input: Int) async throws -> Int {
        var junk: [UInt8] = [12, 0, 0, 0] + Array("not a frame!".utf8)
        _ = junk.withUnsafeMutableBytes { write(3, $0.baseAddress, $0.count) }
        return input
    }
}

/// Writes text to the channel, as a stray `print` to descriptor 3 would: its first four bytes read
/// as a length of about 1.8 GB.
public struct WriteText: ProcessTask {
    public static func run(_ input: Int) async throws -> Int {
        var text = Array("hello from a stray print\n".utf8)
        _ = text.withUnsafeMutableBytes { write(3, $0.baseAddress, $0.count) }
        return input
    }
}

/// Writes the start of a frame that announces 100 bytes, then exits: a truncated frame.
public struct WriteTruncatedFrame: ProcessTask {
    public static func run(_ input: Int) async throws -> Int {
        var partial: [UInt8] = [100, 0, 0, 0, 0xA5, 11]
        _ = partial.withUnsafeMutableBytes { write(3, $0.baseAddress, $0.count) }
        _exit(0)
    }
}

/// A value whose encoding always fails.
public struct Unencodable: Codable, Sendable {
    public init() {}
    public init(from decoder: any Decoder) throws {}
    public func encode(to encoder: any Encoder) throws {
        throw EncodingError.invalidValue(0, .init(codingPath: [], debugDescription: "this value never encodes"))
    }
}

/// Returns a value that cannot be encoded: the worker reports `encodingFailed`.
public struct NotANumber: ProcessTask {
    public static func run(_ input: Int) async throws -> Unencodable { Unencodable() }
}

/// Registered in the worker with an `Int` input; `MismatchedInput` sends a `String` under its name.
public struct Mismatch: ProcessTask {
    public static func run(_ n: Int) async throws -> Int { n }
}

/// Sends a `String` to the worker's `Mismatch`, which expects an `Int`: the worker reports `decodingFailed`.
public struct MismatchedInput: ProcessTask {
    public static var name: String { Mismatch.name }
    public static func run(_ text: String) async throws -> Int { 0 }
}

/// Returns a string of `n` bytes (for the frame size cap).
public struct Blob: ProcessTask {
    public static func run(_ n: Int) async throws -> String { String(repeating: "x", count: n) }
}

/// Counts how many times it ran in this worker (for the initializer and recycling tests).
public struct Counter: ProcessTask {
    // Only touched by the worker's one task loop, which runs one task at a time.
    nonisolated(unsafe) static var count = 0
    public static func run(_ input: Int) async throws -> Int {
        count += 1
        return count
    }
}

/// An initializer that sets `Counter`'s start value; throws for negative inputs.
public struct SetCounter: ProcessTask {
    public static func run(_ start: Int) async throws -> Int {
        if start < 0 { throw TestFailure(reason: "initializer input \(start)") }
        Counter.count = start
        return start
    }
}

/// Prints its input to standard output and "warning: " + input to standard error.
public struct Say: ProcessTask {
    public static func run(_ text: String) async throws -> Int {
        print(text)
        var line = Array("warning: \(text)\n".utf8)
        _ = line.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
        return text.count
    }
}

/// Echoes `n`; for a negative `n`, writes the worker's pid to the named pipe `marker` (the tests'
/// `Marker`, whose read end is open: a write of a few bytes to it is one atomic event) and blocks
/// to be killed: for 5 minutes, far past any test's time limit, so that however late a loaded run
/// gets round to killing it, it has not answered first (30 s was outlasted once: the test's task
/// waited that long for a cooperative thread).
public struct BlockWhenNegative: ProcessTask {
    public struct Input: Codable, Sendable {
        public var n: Int
        public var marker: String
        public init(n: Int, marker: String) { self.n = n; self.marker = marker }
    }

    public static func run(_ input: Input) async throws -> Int {
        guard input.n < 0 else { return input.n }
        let fd = open(input.marker, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw TestFailure(reason: "cannot open the marker \(input.marker): errno \(errno)") }
        var text = Array("\(getpid())\n".utf8)
        _ = text.withUnsafeMutableBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        sleep(300)
        return input.n
    }
}

/// An idempotent task: the first run (no file at `once`) creates `once`, writes the worker's pid to
/// `marker` (as ``BlockWhenNegative``) and blocks, to be lost with its host; a second run answers
/// the worker's pid at once.
public struct BlockOnceThenAnswer: ProcessTask {
    public static let isIdempotent = true

    public struct Input: Codable, Sendable {
        public var once: String
        public var marker: String
        public init(once: String, marker: String) { self.once = once; self.marker = marker }
    }

    public static func run(_ input: Input) async throws -> Int32 {
        let created = open(input.once, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard created >= 0 else { return getpid() }
        close(created)
        _ = try await BlockWhenNegative.run(.init(n: -1, marker: input.marker))
        return getpid()
    }
}

/// An initializer that appends the worker's pid, one line, to the file at `path`: each process that
/// started as a worker says so itself.
public struct LogStart: ProcessTask {
    public static func run(_ path: String) async throws -> Int {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TestFailure(reason: "cannot open \(path)") }
        var line = Array("\(getpid())\n".utf8)
        _ = line.withUnsafeMutableBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        return 0
    }
}

/// Numbers and a name, the input and output of `Scale`.
public struct Series: Codable, Sendable, Equatable {
    public var values: [Double]
    public var name: String
    public init(values: [Double], name: String) {
        self.values = values
        self.name = name
    }
}

/// Doubles every value and appends "×2" to the name.
public struct Scale: ProcessTask {
    public static func run(_ series: Series) async throws -> Series {
        Series(values: series.values.map { $0 * 2 }, name: series.name + "×2")
    }
}

/// The sum of a shared array's elements, read in the worker's own mapping of the same pages.
public struct SumShared: ProcessTask {
    public static func run(_ array: SharedArray<Double>) async throws -> Double {
        array.withUnsafeBufferPointer { $0.reduce(0, +) }
    }
}

/// A shared array and what to multiply its elements by, in place; the input of `ScaleShared`.
public struct SharedScaling: Codable, Sendable {
    public var array: SharedArray<Double>
    public var factor: Double
    public init(array: SharedArray<Double>, factor: Double) {
        self.array = array
        self.factor = factor
    }
}

/// Multiplies the elements of a shared array in place (the parent sees it) and returns the worker's pid.
public struct ScaleShared: ProcessTask {
    public static func run(_ input: SharedScaling) async throws -> Int32 {
        input.array.withUnsafeMutableBufferPointer { buffer in
            for index in buffer.indices { buffer[index] *= input.factor }
        }
        return getpid()
    }
}

/// n → a new shared array made in the worker, holding 0, 1, …, n - 1 (it travels back as a descriptor).
public struct MakeShared: ProcessTask {
    public static func run(_ n: Int) async throws -> SharedArray<Int> {
        try SharedArray(0..<n)
    }
}

/// Writes the worker's pid to the named pipe `marker` (the tests' `Marker`) and blocks holding a
/// mapping of `array`, to be killed.
public struct HoldShared: ProcessTask {
    public struct Input: Codable, Sendable {
        public var array: SharedArray<Double>
        public var marker: String
        public init(array: SharedArray<Double>, marker: String) {
            self.array = array
            self.marker = marker
        }
    }

    public static func run(_ input: Input) async throws -> Double {
        let first = input.array.first ?? 0
        _ = try await BlockWhenNegative.run(.init(n: -1, marker: input.marker))
        return first
    }
}

/// Sends a `SharedArray<Float>` to the worker's `SumShared`, which expects `Double`s: the worker
/// reports `decodingFailed` (and closes the descriptor it received).
public struct SumSharedAsFloats: ProcessTask {
    public static var name: String { SumShared.name }
    public static func run(_ array: SharedArray<Float>) async throws -> Double { 0 }
}

/// Not registered in the worker.
public struct Unregistered: ProcessTask {
    public static func run(_ n: Int) async throws -> Int { n }
}

/// Everything `ParallelTestWorker` serves.
public let testRegistry = TaskRegistry([
    Square.self, SumOfSquares.self, WorkerPID.self, FailOnNegative.self, Hang.self, Nap.self,
    CrashOnNegative.self, Exit.self, WriteGarbage.self, WriteText.self, WriteTruncatedFrame.self, NotANumber.self,
    Mismatch.self, Blob.self, Counter.self, SetCounter.self, Say.self,
    BlockWhenNegative.self, LogStart.self, NapPID.self, Scale.self, AbortEveryTenth.self, Trap.self, Whisper.self, SpanInWorker.self,
    SumShared.self, ScaleShared.self, MakeShared.self, HoldShared.self, BlockOnceThenAnswer.self,
])
