@testable import Parallel
import Testing

@Suite("Frame", .timeLimit(.minutes(1)))
struct FrameTests {
    @Test("a run frame whose context claims more entries than its bytes can hold is malformed, before any allocation")
    func contextCountTooLarge() throws {
        var bytes = Frame.run(id: 1, task: "T", count: 1, payload: [], context: ["k": "v"]).encoded()
        // The entry count follows the length, the magic byte, the kind, the id and the input count.
        let offset = Frame.headerSize + 2 + 8 + 4
        for index in 0..<4 { bytes[offset + index] = 0xFF }
        #expect(throws: FrameError.self) { try Frame.decode(body: bytes[Frame.headerSize...]) }
    }

    @Test("every frame survives encoding and decoding, even split across reads")
    func roundTrip() throws {
        let frames: [Frame] = [
            .run(id: 7, task: "Square", count: 2, payload: Array("[1,2]".utf8)), .cancel(id: 9),
            .run(id: 8, task: "Traced", count: 1, payload: [9], context: ["traceparent": "00-4bf9-00f0-01", "": "empty key"]),
            .initialize(task: "Setup", payload: [1, 2]), .ready, .serving, .outputs(id: 7, payload: Array("[1,4]".utf8)),
            .results(id: 8, items: [.success([1]), .failure(type: "E", message: "m")]),
            .failed(id: 3, reason: .unknownTask, message: "X"), .cancelled(id: 4),
            .initializerFailed(type: "E", message: "m"),
        ]
        var buffer = FrameBuffer(limit: 1 << 20)
        var decoded: [Frame] = []
        for byte in frames.flatMap({ $0.encoded() }) {
            withUnsafeBytes(of: byte) { buffer.append($0) }
            while let frame = try buffer.next() { decoded.append(frame) }
        }
        #expect(decoded == frames)
    }

    @Test("big frames decode whole, however the reads split them")
    func bigFrames() throws {
        let big = (0..<3).map { index in
            Frame.outputs(id: UInt64(index), payload: (0..<((1 << 20) + 12_345 * index)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) })
        }
        let frames = [Frame.ready] + big + [.cancelled(id: 9)] + big.reversed()
        let bytes = frames.flatMap { $0.encoded() }
        for piece in [1 << 18, 4_097, 1 << 21] {
            var buffer = FrameBuffer(limit: 4 << 20)
            var decoded: [Frame] = []
            var offset = 0
            while offset < bytes.count {
                let end = min(offset + piece, bytes.count)
                bytes[offset..<end].withUnsafeBytes { buffer.append($0) }
                while let frame = try buffer.next() { decoded.append(frame) }
                offset = end
            }
            #expect(decoded == frames, "pieces of \(piece) bytes")
            #expect(buffer.pendingCount == 0)
        }
    }

    @Test("the rest of a big frame is read straight into its buffer, which leaves as its payload; small frames take the scratch path")
    func directReceive() throws {
        let big = (0..<2).map { index in
            Frame.outputs(id: UInt64(index), payload: (0..<((1 << 20) + 999 * index)).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ index) })
        }
        let frames = [Frame.ready, big[0], .cancelled(id: 9), .cancelled(id: 10), big[1], big[0], .ready]
        let bytes = frames.flatMap { $0.encoded() }
        for piece in [1 << 18, 70_001, 1 << 21] {
            var buffer = FrameBuffer(limit: 4 << 20)
            var direct = 0
            let decoded = try buffer.read(bytes, piece: piece, direct: { room, _ in direct += room.count }) { buffer in
                #expect(buffer.receive { _ in 0 } == nil || buffer.pendingCount > Frame.headerSize, "room is offered only while a big frame arrives")
                buffer.append(UnsafeRawBufferPointer(start: nil, count: 0))   // nothing read: nothing changes
            }
            #expect(decoded == frames, "pieces of \(piece) bytes")
            #expect(buffer.pendingCount == 0)
            if piece < 1 << 20 {
                #expect(direct > 2 << 20, "most of the big frames came straight in (\(direct) bytes, pieces of \(piece))")
            }
        }
    }

    @Test("a big payload is read straight to where it stays: its fields are kept apart, so nothing moves out of its front")
    func payloadReadInPlace() throws {
        let payload = (0..<((1 << 20) + 77)).map { UInt8(truncatingIfNeeded: $0 &* 11) }
        let frames: [Frame] = [
            .run(id: 4, task: "Echo", count: 1, payload: payload, context: ["traceparent": "00-ab-cd-01"]),
            .outputs(id: 5, payload: payload),
            .initialize(task: "Setup", payload: payload),
        ]
        for frame in frames {
            let bytes = frame.encoded() + Frame.ready.encoded()
            let payloadOffset = bytes.count - Frame.ready.encoded().count - payload.count
            var buffer = FrameBuffer(limit: 4 << 20)
            // Where each direct read wrote, and which byte of the stream it began with.
            var writes: [(address: UInt, streamOffset: Int)] = []
            let decoded = try buffer.read(bytes, piece: 100_000, direct: { room, offset in
                writes.append((UInt(bitPattern: room.baseAddress), offset))
            })
            #expect(decoded == [frame, .ready])
            let arrived: [UInt8]
            switch decoded.first {
            case .run(_, _, _, let bytes, _)?, .outputs(_, let bytes)?, .initialize(_, let bytes)?: arrived = bytes
            default: arrived = []
            }
            let base = arrived.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
            #expect(writes.count > 5, "most of the payload came in by direct reads")
            for write in writes {
                #expect(Int(bitPattern: write.address &- base) == write.streamOffset - payloadOffset, "each read wrote where its bytes stay")
            }
        }
    }

    @Test("a big frame leaves as the buffer it arrived in: its payload is that memory, not a copy")
    func bigFrameHandOff() throws {
        let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let frames: [Frame] = [
            .run(id: 4, task: "Echo", count: 1, payload: payload, context: ["traceparent": "00-ab-cd-01"]),
            .outputs(id: 5, payload: payload),
            .initialize(task: "Setup", payload: payload),
        ]
        for frame in frames {
            var whole = frame.encoded()
            let arrived = whole.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
            let decoded = try Frame.decode(taking: &whole)
            #expect(decoded == frame)
            let taken: [UInt8]
            switch decoded {
            case .run(_, _, _, let bytes, _), .outputs(_, let bytes), .initialize(_, let bytes): taken = bytes
            default: taken = []
            }
            #expect(taken.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == arrived, "the payload is the buffer the frame arrived in")
        }
        // Through a FrameBuffer, read in pieces, with a small frame after the big one in the same read.
        var buffer = FrameBuffer(limit: 4 << 20)
        let bytes = frames[1].encoded() + Frame.cancelled(id: 6).encoded()
        var decoded: [Frame] = []
        for start in stride(from: 0, to: bytes.count, by: 100_000) {
            bytes[start..<min(start + 100_000, bytes.count)].withUnsafeBytes { buffer.append($0) }
            while let frame = try buffer.next() { decoded.append(frame) }
        }
        #expect(decoded == [frames[1], .cancelled(id: 6)])
        #expect(buffer.pendingCount == 0)
    }

    @Test("garbage is a typed error, never a crash")
    func garbage() {
        var buffer = FrameBuffer(limit: 100)
        Array("hello, this is not a frame".utf8).withUnsafeBytes { buffer.append($0) }
        #expect(throws: FrameError.self) { try buffer.next() }
        var small = FrameBuffer(limit: 100)
        [UInt8]([0, 1, 0, 0, 0xA5]).withUnsafeBytes { small.append($0) }
        #expect(throws: FrameError.tooLarge(size: 256, limit: 100)) { try small.next() }
        var truncated = FrameBuffer(limit: 100)
        [UInt8]([3, 0, 0, 0, 0xA5, 12, 1]).withUnsafeBytes { truncated.append($0) }
        #expect(throws: FrameError.malformed("truncated body")) { try truncated.next() }
    }

    @Test("junk whose first bytes read as a huge length is corruption, not a frame too large")
    func hugeLengthJunk() {
        var buffer = FrameBuffer(limit: 100)
        Array("hello, this is not a frame".utf8).withUnsafeBytes { buffer.append($0) }
        let error = #expect(throws: FrameError.self) { try buffer.next() }
        guard case .malformed(let detail) = error else {
            Issue.record("expected a malformed frame, got \(String(describing: error))")
            return
        }
        #expect(detail.contains("bad magic byte 0x6F"))
    }

    @Test("a frame too large for the limit, with the right magic byte, is refused as too large")
    func tooLargeWithMagic() {
        var buffer = FrameBuffer(limit: 100)
        [UInt8]([0, 0, 0, 0x7F, 0xA5]).withUnsafeBytes { buffer.append($0) }
        #expect(throws: FrameError.tooLarge(size: 0x7F00_0000, limit: 100)) { try buffer.next() }
    }
}

extension FrameBuffer {
    /// Reads `bytes` as a channel does, at most `piece` bytes at a time: into the room the buffer
    /// offers while a big frame arrives (`direct` hears each such read: where it wrote and which
    /// byte of `bytes` it began with), else through a scratch buffer; `afterEach` runs after each
    /// read's frames are taken. Returns the frames, in order.
    mutating func read(
        _ bytes: [UInt8], piece: Int, direct: (UnsafeMutableRawBufferPointer, Int) -> Void = { _, _ in },
        afterEach: (inout FrameBuffer) -> Void = { _ in }
    ) throws -> [Frame] {
        var decoded: [Frame] = []
        var offset = 0
        var reads = 0
        while offset < bytes.count && reads < 10_000 {
            reads += 1
            let taken = receive { room in
                let count = min(room.count, piece, bytes.count - offset)
                bytes[offset..<offset + count].withUnsafeBytes { room.copyMemory(from: $0) }
                direct(UnsafeMutableRawBufferPointer(rebasing: room[..<count]), offset)
                return count
            }
            if let taken {
                offset += taken
            } else {
                let end = min(offset + piece, bytes.count)
                bytes[offset..<end].withUnsafeBytes { append($0) }
                offset = end
            }
            while let frame = try next() { decoded.append(frame) }
            afterEach(&self)
        }
        return decoded
    }
}
