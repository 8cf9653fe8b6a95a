#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CParallelShims

/// A fixed-size array whose elements live in memory that worker processes share with this one
/// (Python's `multiprocessing.shared_memory`, joblib's memory mapping): handing one to a task sends a
/// descriptor, not its bytes, so a gigabyte travels as fast as a byte, and what a worker writes the
/// caller sees.
///
/// It is backed by an anonymous memory file (`memfd_create` on Linux, an unlinked `shm_open`
/// elsewhere) that no name in the file system reaches: nothing appears in `/dev/shm`. The memory is
/// freed when the last holder, in any process, lets go of it; a worker that crashes while holding it
/// leaks nothing, as the kernel closes what the process had.
///
/// Elements are any `BitwiseCopyable` type (numbers, `Bool`, and structs and tuples of them), which
/// mean the same in every process of one machine. Like Python's shared buffers, the memory is shared
/// without locks: while a task may write an array, the caller reads it only after the task returns,
/// and two tasks write disjoint parts.
///
/// ```swift
/// let samples = try SharedArray<Double>(count: 1 << 27)        // 1 GiB, zero-filled
/// samples[0] = 1.5
/// let total = try await pool.run(SumShared.self, samples)       // the worker reads the same pages
/// ```
///
/// It is a reference type: copies of a `SharedArray` value, here or in a worker, are the same memory.
public final class SharedArray<Element: BitwiseCopyable>: @unchecked Sendable {
    // Sendable (unchecked): every stored property is a `let` set in `init` and never changed; the
    // memory behind `base` is shared on purpose and reached only through the `withUnsafe…` methods
    // and the subscript, whose callers keep writes apart as documented above (as for any buffer
    // shared between processes, which no lock of this process could guard anyway).

    /// How many elements it holds.
    public let count: Int
    /// The memory file, or -1 for an empty array (which maps nothing).
    let descriptor: Int32
    private let base: UnsafeMutableRawPointer?

    /// An array of `count` elements, each `repeating`.
    ///
    /// - Throws: ``InvalidArgumentError`` if `count` is negative or its size overflows;
    ///   ``SharedMemoryError`` if the system refuses the memory.
    ///
    /// ```swift
    /// let flags = try SharedArray(repeating: false, count: 1_000)
    /// ```
    public convenience init(repeating value: Element, count: Int) throws {
        try self.init(uninitializedCount: count)
        withUnsafeMutableBufferPointer { $0.initialize(repeating: value) }
    }

    /// An array holding `elements`, copied once into shared memory.
    ///
    /// - Throws: ``SharedMemoryError`` if the system refuses the memory.
    ///
    /// ```swift
    /// let shared = try SharedArray([1.0, 2.0, 3.0])
    /// ```
    public convenience init(_ elements: some Collection<Element>) throws {
        try self.init(uninitializedCount: elements.count)
        withUnsafeMutableBufferPointer { buffer in
            var iterator = elements.makeIterator()
            for index in buffer.indices {
                guard let element = iterator.next() else { break }
                buffer[index] = element
            }
        }
    }

    /// Maps a fresh memory file for `count` elements; its bytes are zero.
    init(uninitializedCount count: Int) throws {
        try InvalidArgumentError.check("count", count, atLeast: 0)
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<Element>.stride)
        guard !overflow else {
            throw InvalidArgumentError(argument: "count", value: "\(count)", expected: "small enough that count × \(MemoryLayout<Element>.stride) bytes fits in an Int")
        }
        self.count = count
        guard byteCount > 0 else {
            descriptor = -1
            base = nil
            return
        }
        let descriptor = parallel_memory_file("parallel-shared-array", Int64(byteCount))
        guard descriptor >= 0 else { throw SharedMemoryError.systemCall("memfd_create", errno: errno, bytes: byteCount) }
        guard let base = Self.map(descriptor, byteCount) else {
            let code = errno
            close(descriptor)
            throw SharedMemoryError.systemCall("mmap", errno: code, bytes: byteCount)
        }
        self.descriptor = descriptor
        self.base = base
    }

    /// Adopts `descriptor` (closed when this array goes away, or here if it is refused), received from
    /// another process for `count` elements: the memory file must hold at least that many bytes.
    init(adopting descriptor: Int32, count: Int) throws(SharedMemoryError) {
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<Element>.stride)
        guard count >= 0, !overflow else {
            close(descriptor)
            throw .malformed("a shared array of \(count) elements of \(MemoryLayout<Element>.stride) bytes")
        }
        self.count = count
        guard byteCount > 0 else {
            if descriptor >= 0 { close(descriptor) }
            self.descriptor = -1
            base = nil
            return
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0, Int(status.st_size) >= byteCount else {
            close(descriptor)
            throw .malformed("the shared memory for \(count) elements (\(byteCount) bytes) is smaller or missing")
        }
        guard let base = Self.map(descriptor, byteCount) else {
            let code = errno
            close(descriptor)
            throw .systemCall("mmap", errno: code, bytes: byteCount)
        }
        self.descriptor = descriptor
        self.base = base
    }

    deinit {
        if let base { munmap(base, count * MemoryLayout<Element>.stride) }
        if descriptor >= 0 { close(descriptor) }
    }

    private static func map(_ descriptor: Int32, _ byteCount: Int) -> UnsafeMutableRawPointer? {
        let address = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0)
        guard let address, address != MAP_FAILED else { return nil }
        return address
    }

    /// Calls `body` with the elements, read-only.
    ///
    /// ```swift
    /// let total = shared.withUnsafeBufferPointer { $0.reduce(0, +) }
    /// ```
    public func withUnsafeBufferPointer<Result, Failure: Error>(
        _ body: (UnsafeBufferPointer<Element>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(UnsafeBufferPointer(start: base?.assumingMemoryBound(to: Element.self), count: count))
    }

    /// Calls `body` with the elements, to change them in place (seen by every process that holds
    /// this array).
    ///
    /// ```swift
    /// shared.withUnsafeMutableBufferPointer { buffer in
    ///     for index in buffer.indices { buffer[index] *= 2 }
    /// }
    /// ```
    public func withUnsafeMutableBufferPointer<Result, Failure: Error>(
        _ body: (UnsafeMutableBufferPointer<Element>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(UnsafeMutableBufferPointer(start: base?.assumingMemoryBound(to: Element.self), count: count))
    }

    /// The elements, copied into an ordinary array.
    ///
    /// ```swift
    /// let copy: [Double] = shared.array
    /// ```
    public var array: [Element] { withUnsafeBufferPointer { Array($0) } }
}

extension SharedArray where Element: Numeric {
    /// An array of `count` zeros, without writing them: the system hands out zeroed pages on first
    /// touch, so making a gigabyte costs next to nothing until it is used.
    ///
    /// - Throws: ``InvalidArgumentError`` if `count` is negative or its size overflows;
    ///   ``SharedMemoryError`` if the system refuses the memory.
    ///
    /// ```swift
    /// let histogram = try SharedArray<Int>(count: 256)
    /// ```
    public convenience init(count: Int) throws {
        try self.init(uninitializedCount: count)
    }
}

extension SharedArray: RandomAccessCollection, MutableCollection {
    /// The position of the first element: 0.
    public var startIndex: Int { 0 }
    /// One past the last element: ``count``.
    public var endIndex: Int { count }

    /// The element at `position`, read from or written to the shared memory.
    ///
    /// ```swift
    /// shared[3] = 2.5
    /// ```
    public subscript(position: Int) -> Element {
        get {
            precondition(position >= 0 && position < count, "SharedArray index \(position) out of range 0..<\(count)")
            return withUnsafeBufferPointer { $0[position] }
        }
        set {
            precondition(position >= 0 && position < count, "SharedArray index \(position) out of range 0..<\(count)")
            withUnsafeMutableBufferPointer { $0[position] = newValue }
        }
    }
}
