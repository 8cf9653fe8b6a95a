@testable import Parallel
import Testing

/// Kept buffers (`SpareBuffers`): a worker's big frames and encodings reuse memory it has finished
/// with; a process that has not turned keeping on keeps nothing. Each test has its own store, so
/// the tests do not meet the big encodings of other suites.
@Suite("Spare buffers", .timeLimit(.minutes(1)))
struct SpareBuffersTests {
    static let big = LargeBuffer.threshold

    static func buffer(capacity: Int, fill: UInt8) -> [UInt8] {
        var bytes = [UInt8](repeating: fill, count: 16)
        bytes.reserveCapacity(capacity)
        return bytes
    }

    static func base(_ bytes: [UInt8]) -> UnsafeRawPointer? {
        bytes.withUnsafeBytes { $0.baseAddress }
    }

    @Test("until turned on, nothing is kept; small buffers are never kept; the buffer given is left empty")
    func keepsOnlyWhenOnAndBig() {
        let spares = SpareBuffers()
        var buffer = Self.buffer(capacity: Self.big, fill: 1)
        spares.keep(&buffer)
        #expect(buffer.isEmpty)
        #expect(spares.take(capacity: Self.big) == nil, "off: nothing kept")
        spares.enable()
        var small = Self.buffer(capacity: Self.big / 2, fill: 2)
        spares.keep(&small)
        #expect(small.isEmpty)
        #expect(spares.take(capacity: 1) == nil, "a small buffer is not kept, and a small request takes none")
        var kept = Self.buffer(capacity: Self.big, fill: 3)
        spares.keep(&kept)
        #expect(spares.take(capacity: Self.big / 2) == nil, "a small request never takes a big buffer")
        #expect(spares.take(capacity: Self.big)?.first == 3)
        #expect(spares.take(capacity: Self.big) == nil, "taken once")
    }

    @Test("the smallest buffer that fits is taken, and at most two are kept (the smallest goes)")
    func smallestFittingAndLimit() {
        let spares = SpareBuffers()
        spares.enable()
        for (capacity, fill) in [(Self.big, UInt8(1)), (4 * Self.big, 2), (2 * Self.big, 3)] {
            var buffer = Self.buffer(capacity: capacity, fill: fill)
            spares.keep(&buffer)
        }
        // The 1× buffer was dropped when the third came: 2× and 4× remain.
        #expect(spares.take(capacity: Self.big)?.first == 3)
        #expect(spares.take(capacity: Self.big)?.first == 2)
        #expect(spares.take(capacity: Self.big) == nil)
    }

    @Test("a big encoding grows into a kept buffer: the same memory, the bytes right")
    func encodingReusesKeptMemory() {
        let spares = SpareBuffers()
        spares.enable()
        var kept = Self.buffer(capacity: 2 * Self.big, fill: 9)
        let keptBase = Self.base(kept)
        spares.keep(&kept)
        var bytes: [UInt8] = [1, 2, 3]
        bytes.reserveLarge(Self.big, spares: spares)
        #expect(Self.base(bytes) == keptBase)
        #expect(bytes == [1, 2, 3])
        #expect(bytes.capacity >= 2 * Self.big)
        #expect(spares.take(capacity: Self.big) == nil)
    }

    @Test("a big frame arrives in a kept buffer, whatever it held before; smaller and larger kept buffers both fit it")
    func frameArrivesInKeptBuffer() throws {
        let payload = (0..<(Self.big + 12_345)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let frame = Frame.outputs(id: 3, payload: payload)
        let bytes = frame.encoded()
        // Kept buffers holding more bytes than the frame, and fewer (but with the room).
        for keptCount in [bytes.count + 5000, 100] {
            let spares = SpareBuffers()
            spares.enable()
            var kept = [UInt8](repeating: 0xEE, count: keptCount)
            kept.reserveCapacity(bytes.count + 10_000)
            let keptBase = Self.base(kept)
            spares.keep(&kept)
            var buffer = FrameBuffer(limit: 64 << 20, spares: spares)
            let decoded = try buffer.read(bytes, piece: 1 << 20)
            #expect(decoded == [frame], "kept buffer of \(keptCount) bytes")
            guard case .outputs(_, let arrived)? = decoded.first else { continue }
            #expect(Self.base(arrived) == keptBase, "the payload is in the kept buffer's memory")
            #expect(spares.take(capacity: Self.big) == nil, "the kept buffer was taken for the frame")
        }
    }
}
