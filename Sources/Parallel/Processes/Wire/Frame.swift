/// One message on a worker's channel. The wire format is private to the package: a 4-byte
/// little-endian body length, then the body — a magic byte, the kind, a 64-bit request id and the
/// kind's fields. Anything else on the channel is reported as a ``FrameError``, never a crash.
enum Frame: Equatable, Sendable {
    // Parent → worker.
    /// Run `task` on `count` inputs, encoded together in `payload`, in the caller's trace `context`
    /// (what the tracer injected: ``TraceCarrier``; empty without tracing).
    case run(id: UInt64, task: String, count: Int, payload: [UInt8], context: [String: String] = [:])
    /// Skip request `id` if it has not started.
    case cancel(id: UInt64)
    /// Run `task` once on `payload` when the worker starts (the pool's initializer).
    case initialize(task: String, payload: [UInt8])

    // Worker → parent.
    /// The worker is up (after its initializer).
    case ready
    /// The worker serves worker mode and is about to run its initializer (sent only by a worker that
    /// has one; `ready` says it for the others).
    case serving
    /// Every input of request `id` succeeded; `payload` encodes the outputs together.
    case outputs(id: UInt64, payload: [UInt8])
    /// Request `id` had failures: one result per input.
    case results(id: UInt64, items: [ItemResult])
    /// Request `id` failed as a whole (unknown task, undecodable input, unencodable output…).
    case failed(id: UInt64, reason: RequestFailure, message: String)
    /// Request `id` was skipped after a cancel.
    case cancelled(id: UInt64)
    /// The initializer threw; the worker exits next.
    case initializerFailed(type: String, message: String)

    // Either way.
    /// The next frame comes with `count` descriptors (its ``SharedArray``s), sent with this frame's
    /// bytes (`SCM_RIGHTS`). The channel's reader consumes it: it never reaches the pool's rules.
    case descriptors(count: Int)

    /// One input's outcome inside ``results(id:items:)``.
    enum ItemResult: Equatable, Sendable {
        case success([UInt8])
        case failure(type: String, message: String)
    }

    /// Why a whole request failed in the worker.
    enum RequestFailure: UInt8, Sendable {
        case unknownTask = 1
        case decodingFailed = 2
        case encodingFailed = 3
        case frameTooLarge = 4
    }

    static let magic: UInt8 = 0xA5

    /// What a message that does not start with ``magic`` means.
    static func badMagic(_ byte: UInt8) -> String {
        let hex = String(byte, radix: 16, uppercase: true)
        return "bad magic byte 0x\(hex.count < 2 ? "0" + hex : hex) where a message starts: the channel carries bytes that are not the pool's messages (did something write to descriptor 3?)"
    }
    /// Bytes in the length prefix.
    static let headerSize = 4

    private enum Kind: UInt8 {
        case run = 1, cancel, initialize
        case ready = 10, outputs, results, failed, cancelled, initializerFailed, serving
        case descriptors = 20
    }

    /// The bytes of a `run` frame before its payload, with 0 for the id and the length to patch:
    /// a payload encoded after them (``WireCodec``'s `prefix`) is then written once, where it is sent
    /// from, and ``patchLength(_:)`` finishes the frame.
    static func runHeader(id: UInt64 = 0, task: String, count: Int, context: [String: String]) -> [UInt8] {
        var writer = header(.run, id: id)
        writer.append(UInt32(truncatingIfNeeded: count))
        writer.append(UInt32(truncatingIfNeeded: context.count))
        for (key, value) in context.sorted(by: { $0.key < $1.key }) {
            writer.appendString(key); writer.appendString(value)
        }
        writer.appendString(task)
        return writer.bytes
    }

    /// The bytes of an `outputs` frame before its payload, as ``runHeader(id:task:count:context:)``.
    static func outputsHeader(id: UInt64) -> [UInt8] {
        header(.outputs, id: id).bytes
    }

    /// Every frame's first fields: the length (0 until ``patchLength(_:)``), the magic byte, the
    /// kind and the id.
    private static func header(_ kind: Kind, id: UInt64) -> ByteWriter {
        var writer = ByteWriter()
        writer.append(UInt32(0))
        writer.append(magic)
        writer.append(kind.rawValue)
        writer.append(id)
        return writer
    }

    /// Writes the body length of the frame in `bytes` (of `frameSize` bytes in all, if its payload
    /// is partly elsewhere: ``OutgoingFrame``) into its 4-byte prefix.
    static func patchLength(_ bytes: inout [UInt8], frameSize: Int? = nil) {
        let length = UInt32(truncatingIfNeeded: (frameSize ?? bytes.count) - headerSize)
        for index in 0..<4 { bytes[index] = UInt8(truncatingIfNeeded: length >> (8 * UInt32(index))) }
    }

    /// The frame with its length prefix, ready to write.
    func encoded() -> [UInt8] {
        var writer: ByteWriter
        switch self {
        case .run(let id, let task, let count, let payload, let context):
            writer = ByteWriter(bytes: Self.runHeader(id: id, task: task, count: count, context: context))
            writer.append(contentsOf: payload)
        case .outputs(let id, let payload):
            writer = Self.header(.outputs, id: id)
            writer.append(contentsOf: payload)
        case .cancel(let id):
            writer = Self.header(.cancel, id: id)
        case .initialize(let task, let payload):
            writer = Self.header(.initialize, id: 0)
            writer.appendString(task); writer.append(contentsOf: payload)
        case .ready:
            writer = Self.header(.ready, id: 0)
        case .serving:
            writer = Self.header(.serving, id: 0)
        case .results(let id, let items):
            writer = Self.header(.results, id: id)
            writer.append(UInt32(truncatingIfNeeded: items.count))
            for item in items {
                switch item {
                case .success(let bytes):
                    writer.append(UInt8(0)); writer.append(UInt32(truncatingIfNeeded: bytes.count)); writer.append(contentsOf: bytes)
                case .failure(let type, let message):
                    writer.append(UInt8(1)); writer.appendString(type); writer.appendString(message)
                }
            }
        case .failed(let id, let reason, let message):
            writer = Self.header(.failed, id: id)
            writer.append(reason.rawValue); writer.appendString(message)
        case .cancelled(let id):
            writer = Self.header(.cancelled, id: id)
        case .initializerFailed(let type, let message):
            writer = Self.header(.initializerFailed, id: 0)
            writer.appendString(type); writer.appendString(message)
        case .descriptors(let count):
            writer = Self.header(.descriptors, id: UInt64(truncatingIfNeeded: count))
        }
        writer.patchLength()
        return writer.bytes
    }

    /// Decodes one frame body (without its length prefix).
    static func decode(body: ArraySlice<UInt8>) throws(FrameError) -> Frame {
        try decode(body: body) { reader in reader.rest() }
    }

    /// Decodes the frame that fills `whole`, its length prefix included, making `whole` itself the
    /// payload of a `run`, `initialize` or `outputs` frame (its first bytes moved out, in place)
    /// instead of copying the payload out of it: a big frame costs one buffer, not two.
    static func decode(taking whole: inout [UInt8]) throws(FrameError) -> Frame {
        var payloadStart = -1
        let frame = try decode(body: whole[headerSize...]) { reader in
            payloadStart = reader.position
            return []
        }
        guard payloadStart >= 0 else { return frame }
        // The slice decoded above is gone: `whole` is the only reference, so this moves in place.
        whole.removeFirst(payloadStart)
        switch frame {
        case .run(let id, let task, let count, _, let context):
            return .run(id: id, task: task, count: count, payload: whole, context: context)
        case .initialize(let task, _):
            return .initialize(task: task, payload: whole)
        case .outputs(let id, _):
            return .outputs(id: id, payload: whole)
        default:
            return frame
        }
    }

    /// Where the payload of the frame whose body starts `body` begins (an index of `body`): `nil`
    /// if the frame carries none, or if its fields before the payload cannot be read from `body`
    /// (with `complete` false: not all there yet).
    static func payloadStart(inBody body: ArraySlice<UInt8>) -> (start: Int?, complete: Bool) {
        var start: Int?
        do {
            _ = try decode(body: body) { reader in
                start = reader.position
                return []
            }
            return (start, true)
        } catch {
            return (nil, false)
        }
    }

    /// The `run`, `initialize` or `outputs` frame whose bytes up to its payload (its length prefix
    /// included) are `prefix`, with `payload` as its payload, as it is (no copy).
    static func decode(prefix: [UInt8], payload: [UInt8]) throws(FrameError) -> Frame {
        var atPayload = false
        let frame = try decode(body: prefix[headerSize...]) { reader in
            atPayload = reader.remaining == 0
            return []
        }
        switch frame {
        case .run(let id, let task, let count, _, let context) where atPayload:
            return .run(id: id, task: task, count: count, payload: payload, context: context)
        case .initialize(let task, _) where atPayload:
            return .initialize(task: task, payload: payload)
        case .outputs(let id, _) where atPayload:
            return .outputs(id: id, payload: payload)
        default:
            throw .malformed("a frame's payload was read apart from fields that do not end where it starts")
        }
    }

    /// Decodes one frame body; `rest` takes what follows a payload-carrying frame's fields.
    private static func decode(
        body: ArraySlice<UInt8>, rest: (inout ByteReader) -> [UInt8]
    ) throws(FrameError) -> Frame {
        var reader = ByteReader(bytes: body)
        let first = try reader.readByte()
        guard first == magic else { throw .malformed(badMagic(first)) }
        let rawKind = try reader.readByte()
        guard let kind = Kind(rawValue: rawKind) else { throw .malformed("unknown message kind \(rawKind)") }
        let id = try reader.readUInt64()
        switch kind {
        case .run:
            let count = Int(try reader.readUInt32())
            let entries = Int(try reader.readUInt32())
            // Each entry is at least two empty strings' lengths.
            guard entries * 8 <= reader.remaining else { throw .malformed("\(entries) context entries in \(reader.remaining) bytes") }
            var context: [String: String] = [:]
            for _ in 0..<entries {
                let key = try reader.readString()
                context[key] = try reader.readString()
            }
            let task = try reader.readString()
            return .run(id: id, task: task, count: count, payload: rest(&reader), context: context)
        case .cancel:
            return .cancel(id: id)
        case .initialize:
            let task = try reader.readString()
            return .initialize(task: task, payload: rest(&reader))
        case .ready:
            return .ready
        case .serving:
            return .serving
        case .outputs:
            return .outputs(id: id, payload: rest(&reader))
        case .results:
            let count = Int(try reader.readUInt32())
            guard count <= reader.remaining else { throw .malformed("\(count) results in \(reader.remaining) bytes") }
            var items: [ItemResult] = []
            items.reserveCapacity(count)
            for _ in 0..<count {
                switch try reader.readByte() {
                case 0:
                    let length = Int(try reader.readUInt32())
                    items.append(.success(try reader.readBytes(length)))
                case 1:
                    let type = try reader.readString()
                    items.append(.failure(type: type, message: try reader.readString()))
                case let other:
                    throw .malformed("unknown result tag \(other)")
                }
            }
            try reader.expectEnd()
            return .results(id: id, items: items)
        case .failed:
            let rawReason = try reader.readByte()
            guard let reason = RequestFailure(rawValue: rawReason) else { throw .malformed("unknown failure \(rawReason)") }
            let message = try reader.readString()
            try reader.expectEnd()
            return .failed(id: id, reason: reason, message: message)
        case .cancelled:
            try reader.expectEnd()
            return .cancelled(id: id)
        case .initializerFailed:
            let type = try reader.readString()
            let message = try reader.readString()
            return .initializerFailed(type: type, message: message)
        case .descriptors:
            try reader.expectEnd()
            // The id field holds the count; no message carries more than `SCM_MAX_FD` (253).
            guard id <= 253 else { throw .malformed("\(id) descriptors announced; at most 253 travel with one message") }
            return .descriptors(count: Int(id))
        }
    }
}

/// What is wrong with bytes read from a channel.
enum FrameError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The length prefix announces more than the size cap.
    case tooLarge(size: Int, limit: Int)
    /// The bytes are not a frame.
    case malformed(String)

    var description: String {
        switch self {
        case .tooLarge(let size, let limit): "a \(size)-byte frame, over the \(limit)-byte limit"
        case .malformed(let detail): "malformed frame: \(detail)"
        }
    }
}

/// Accumulates bytes read from a channel and cuts them into frames.
///
/// A big frame (``handOffSize`` and more) gets a buffer of its exact size as soon as its header is
/// in, which the rest of it is read into directly (``receive(_:)``) and which then leaves as the
/// frame's payload: its bytes are copied by the kernel once, not again from the reader's scratch
/// buffer or by a doubling array.
struct FrameBuffer {
    /// `bytes[0..<filled]` are the bytes received; past `filled`, room for a big frame's rest.
    private var bytes: [UInt8] = []
    private var filled = 0
    private var start = 0
    /// While a big `run`, `initialize` or `outputs` frame arrives: its bytes before the payload (its
    /// length prefix included) and its payload's length. `bytes` then begins with the payload, so
    /// the payload leaves as that buffer, with nothing to move out of its front.
    private var big: (prefix: [UInt8], payloadLength: Int)?
    /// The largest body accepted.
    let limit: Int
    /// Where a big frame's buffer is taken from when one is kept.
    private let spares: SpareBuffers

    init(limit: Int, spares: SpareBuffers = .shared) {
        self.limit = limit
        self.spares = spares
    }

    /// Bytes received but not yet part of a complete frame.
    var pendingCount: Int { (big?.prefix.count ?? 0) + filled - start }

    mutating func append(_ buffer: UnsafeRawBufferPointer) {
        guard !buffer.isEmpty else { return }
        let room = bytes.count - filled
        if room > 0 {
            // The rest of a big frame: into its room, then whatever follows it after the frame.
            let taken = Swift.min(room, buffer.count)
            let filled = self.filled
            bytes.withUnsafeMutableBytes { target in
                UnsafeMutableRawBufferPointer(rebasing: target[filled..<filled + taken])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[..<taken]))
            }
            self.filled += taken
            guard taken < buffer.count else { return }
            return append(UnsafeRawBufferPointer(rebasing: buffer[taken...]))
        }
        if start > 0 && start == filled {
            bytes.removeAll(keepingCapacity: true)
            start = 0
            filled = 0
        } else if start > 65_536 && start * 2 > filled {
            bytes.removeFirst(start)
            filled -= start
            start = 0
        }
        bytes.appendBytes(buffer)
        filled = bytes.count
    }

    /// While a big frame is arriving, lets `read` put bytes straight into the room left for it
    /// (`read` returns how many it put there, or 0 or less for none) and returns what `read`
    /// returned; `nil` when there is no such room (read into a scratch buffer and ``append(_:)``).
    mutating func receive(_ read: (UnsafeMutableRawBufferPointer) -> Int) -> Int? {
        guard filled < bytes.count else { return nil }
        let filled = self.filled
        let count = bytes.withUnsafeMutableBytes { read(UnsafeMutableRawBufferPointer(rebasing: $0[filled...])) }
        if count > 0 { self.filled += count }
        return count
    }

    /// The next complete frame, or `nil` until more bytes arrive.
    mutating func next() throws(FrameError) -> Frame? {
        if let (prefix, payloadLength) = big {
            guard filled >= payloadLength else { return nil }
            let tail = filled > payloadLength ? Array(bytes[payloadLength..<filled]) : []
            bytes.removeLast(bytes.count - payloadLength)
            let payload = bytes
            bytes = tail
            filled = tail.count
            start = 0
            big = nil
            return try Frame.decode(prefix: prefix, payload: payload)
        }
        guard pendingCount > Frame.headerSize else { return nil }
        // The magic byte is checked before the length is trusted: junk whose first four bytes read
        // as a huge length is corruption, not a frame to be refused as too large.
        let magic = bytes[start + Frame.headerSize]
        guard magic == Frame.magic else { throw .malformed(Frame.badMagic(magic)) }
        let length = Int(bytes[start]) | Int(bytes[start + 1]) << 8 | Int(bytes[start + 2]) << 16 | Int(bytes[start + 3]) << 24
        guard length <= limit else { throw .tooLarge(size: length, limit: limit) }
        guard pendingCount >= Frame.headerSize + length else {
            if length >= Self.handOffSize { makeRoom(forFrameOf: length) }
            return nil
        }
        let bodyStart = start + Frame.headerSize
        let end = bodyStart + length
        if length >= Self.handOffSize && start == 0 {
            // A big frame takes the buffer with it as its payload; what follows it stays.
            let tail = end < filled ? Array(bytes[end..<filled]) : []
            bytes.removeLast(bytes.count - end)
            var whole = bytes
            bytes = tail
            filled = tail.count
            return try Frame.decode(taking: &whole)
        }
        start = end
        return try Frame.decode(body: bytes[bodyStart..<end])
    }

    /// From this body length on, a frame leaves as the buffer it arrived in, not as a copy of it.
    static let handOffSize = 1 << 16

    /// Gives the frame at `start`, of body `length`, a buffer of exactly its size (a kept one, or a
    /// new one advised for huge pages when big: ``LargeBuffer``), whose room past `filled` the rest
    /// of it is read into. A frame with a payload keeps its fields apart, once they are all in, and
    /// its buffer holds the payload alone; any other frame's buffer holds it whole.
    private mutating func makeRoom(forFrameOf length: Int) {
        let size = Frame.headerSize + length
        guard start > 0 || bytes.count != size else { return }  // in a buffer of its own already
        let bodyStart = start + Frame.headerSize
        let (payloadStart, complete) = Frame.payloadStart(inBody: bytes[bodyStart..<filled])
        if let payloadStart {
            let payloadLength = bodyStart + length - payloadStart
            let prefix = Array(bytes[start..<payloadStart])
            moveIntoBuffer(of: payloadLength, from: payloadStart)
            big = (prefix, payloadLength)
            return
        }
        // The payload's fields are small: if they are not all in after 64 KiB, the frame is
        // malformed (its decoding says how) or has none.
        guard complete || filled - bodyStart >= 1 << 16 else { return }
        moveIntoBuffer(of: size, from: start)
    }

    /// Makes `bytes` a buffer of `size` bytes beginning with those received from `from` on.
    private mutating func moveIntoBuffer(of size: Int, from: Int) {
        let (old, count) = (bytes, filled - from)
        if var spare = spares.take(capacity: size) {
            // A kept buffer: its pages are there already. Its old bytes stand in for the room.
            if spare.count > size {
                spare.removeLast(spare.count - size)
            } else if spare.count < size {
                spare.append(contentsOf: repeatElement(0, count: size - spare.count))
            }
            spare.withUnsafeMutableBytes { target in
                old.withUnsafeBytes { target.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[from..<from + count])) }
            }
            bytes = spare
            start = 0
            filled = count
            return
        }
        bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            LargeBuffer.adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
            old.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[from..<from + count])) }
            // UInt8 has no invalid values: the room past `count` is written by reads before any
            // byte of it is read (`filled` marks how far).
            initialized = size
        }
        start = 0
        filled = count
    }
}

/// Little-endian writer for frames.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func append(_ byte: UInt8) { bytes.append(byte) }
    mutating func append(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.appendBytes($0) } }
    mutating func append(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes.appendBytes($0) } }
    mutating func append(contentsOf other: [UInt8]) { bytes.append(contentsOf: other) }
    mutating func appendString(_ string: String) {
        let utf8 = Array(string.utf8)
        append(UInt32(truncatingIfNeeded: utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// Writes the body length into the 4-byte prefix.
    mutating func patchLength() { Frame.patchLength(&bytes) }
}

/// Little-endian reader for frames; every read checks bounds.
struct ByteReader {
    let bytes: ArraySlice<UInt8>
    private var offset: Int

    init(bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        offset = bytes.startIndex
    }

    var remaining: Int { bytes.endIndex - offset }

    /// The index of the next byte to read.
    var position: Int { offset }

    mutating func readByte() throws(FrameError) -> UInt8 {
        guard remaining >= 1 else { throw .malformed("truncated body") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt32() throws(FrameError) -> UInt32 {
        guard remaining >= 4 else { throw .malformed("truncated body") }
        var value: UInt32 = 0
        for index in 0..<4 { value |= UInt32(bytes[offset + index]) << (8 * UInt32(index)) }
        offset += 4
        return value
    }

    mutating func readUInt64() throws(FrameError) -> UInt64 {
        guard remaining >= 8 else { throw .malformed("truncated body") }
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
        offset += 8
        return value
    }

    mutating func readBytes(_ count: Int) throws(FrameError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw .malformed("truncated body") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func readString() throws(FrameError) -> String {
        let count = Int(try readUInt32())
        return String(decoding: try readBytes(count), as: UTF8.self)
    }

    mutating func rest() -> [UInt8] {
        defer { offset = bytes.endIndex }
        return Array(bytes[offset...])
    }

    func expectEnd() throws(FrameError) {
        guard remaining == 0 else { throw .malformed("\(remaining) unexpected trailing bytes") }
    }
}

