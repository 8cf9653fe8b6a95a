/// An encoded frame ready to be written: its bytes, and the big byte runs of its payload that are
/// written from where they are (``ByteSegment``), each before `bytes[offset]`, in order.
///
/// ```swift
/// var frame = try WireCodec.encodeFrame(inputs, descriptors: table, prefix: Frame.runHeader(task: "T", count: 1, context: [:]))
/// frame.patchLength()
/// channel.send(frame, descriptors: table)
/// ```
struct OutgoingFrame: Sendable {
    var bytes: [UInt8]
    var segments: [(offset: Int, segment: ByteSegment)] = []

    /// The frame's size: its bytes and its segments'.
    var count: Int { bytes.count + segments.reduce(0) { $0 + $1.segment.count } }

    /// Writes the body's length into the length prefix.
    mutating func patchLength() { Frame.patchLength(&bytes, frameSize: count) }

    /// Calls `write` with each piece in order (bytes, a segment, bytes…, empty pieces skipped) while
    /// it returns true; whether every piece was written.
    func forEachPiece(_ write: (UnsafeRawBufferPointer) -> Bool) -> Bool {
        bytes.withUnsafeBytes { all in
            var start = 0
            for (offset, segment) in segments {
                if offset > start && !write(UnsafeRawBufferPointer(rebasing: all[start..<offset])) { return false }
                start = offset
                var written = true
                segment.withBytes { written = $0.isEmpty || write($0) }
                if !written { return false }
            }
            return start == all.count || write(UnsafeRawBufferPointer(rebasing: all[start...]))
        }
    }

    /// The frame as one array.
    func contiguous() -> [UInt8] {
        guard !segments.isEmpty else { return bytes }
        var whole: [UInt8] = []
        whole.reserveCapacity(count)
        _ = forEachPiece { piece in
            whole.appendBytes(piece)
            return true
        }
        return whole
    }
}
