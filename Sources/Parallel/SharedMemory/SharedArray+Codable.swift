/// A ``SharedArray`` in a task's input or output, at any depth, travels as a descriptor beside the
/// message (`SCM_RIGHTS` on the worker's socket), not as bytes: it encodes as its index in the
/// message's descriptor table, its count and its element size, and decodes by mapping the
/// descriptor that came with the message, so both processes use the same pages.
///
/// Encoding it anywhere else (JSON for a file, a channel that cannot pass descriptors) throws an
/// `EncodingError` that says so: it is never copied silently.
///
/// ```swift
/// struct Job: Codable, Sendable { var samples: SharedArray<Double>; var scale: Double }
/// let sum = try await pool.run(SumJob.self, Job(samples: shared, scale: 2))
/// ```
extension SharedArray: Codable {
    /// Encodes the array as an index into the message's descriptor table.
    ///
    /// ```swift
    /// let total = try await pool.run(SumShared.self, samples)   // sends a descriptor, not the bytes
    /// ```
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        guard descriptor >= 0 else {
            try container.encode(-1)
            try container.encode(0)
            try container.encode(MemoryLayout<Element>.stride)
            return
        }
        guard let table = encoder.userInfo[.descriptorTable] as? DescriptorTable else {
            throw EncodingError.invalidValue(self, EncodingError.Context(
                codingPath: encoder.codingPath,
                debugDescription: "a SharedArray travels only as a descriptor over a pool worker's Unix socket, and this encoding "
                    + "cannot carry descriptors (a pipe, a file, JSON): hand it to a ProcessPool task, or send its elements (.array)"
            ))
        }
        try container.encode(try table.add(descriptor))
        try container.encode(count)
        try container.encode(MemoryLayout<Element>.stride)
    }

    /// Maps the descriptor that came with the message for the array encoded here.
    ///
    /// ```swift
    /// let made: SharedArray<Int> = try await pool.run(MakeShared.self, 1_000)   // the worker's pages
    /// ```
    public convenience init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        let index = try container.decode(Int.self)
        let count = try container.decode(Int.self)
        let stride = try container.decode(Int.self)
        func corrupted(_ detail: String) -> DecodingError {
            .dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath, debugDescription: detail))
        }
        guard stride == MemoryLayout<Element>.stride else {
            throw corrupted("a SharedArray of \(stride)-byte elements, decoded as SharedArray<\(Element.self)> (\(MemoryLayout<Element>.stride) bytes): use the same element type on both sides")
        }
        guard index >= 0 else {
            guard count == 0 else { throw corrupted("a SharedArray of \(count) elements without memory") }
            try self.init(adopting: -1, count: 0)
            return
        }
        guard let table = decoder.userInfo[.descriptorTable] as? DescriptorTable else {
            throw corrupted("a SharedArray in bytes that came without descriptors (decode it from a pool worker's message)")
        }
        do {
            try self.init(adopting: try table.claim(index), count: count)
        } catch {
            throw corrupted("SharedArray: \(error)")
        }
    }
}
