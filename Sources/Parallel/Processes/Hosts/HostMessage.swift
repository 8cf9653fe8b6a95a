/// One message on a host link: the single stream (an `ssh` session's standard input and output)
/// between a pool and the ``HostAgent`` on another host, which carries the frames of all of that
/// host's workers.
///
/// On the wire: `kind` (1 byte), `worker` (UInt32, little endian), `length` (UInt32), then `length`
/// bytes. Workers' frames travel as ``data(worker:_:)`` slices of their byte streams, at most
/// ``chunkLimit`` bytes each, so a message never needs the pool's frame size cap and one worker's big
/// frame does not hold up the others for long. The agent writes ``greeting`` before its first message,
/// so that bytes a login shell prints before it can be told apart and reported.
enum HostMessage: Equatable, Sendable {
    /// Both sides, first: `key=value` facts (``HostHello``).
    case hello([UInt8])
    /// Pool → agent: start worker `worker` with this frame size cap and initializer flag.
    case start(worker: UInt32, frameLimit: Int, hasInitializer: Bool)
    /// Either way: bytes of a worker's channel.
    case data(worker: UInt32, [UInt8])
    /// Pool → agent: the pool closed its end of the worker's channel (a retirement): once the bytes
    /// before it are written, the agent closes the worker's input too.
    case endOfInput(worker: UInt32)
    /// Pool → agent: send `signal` to the worker (the `ssh` client cannot signal a remote process).
    case signal(worker: UInt32, Int32)
    /// Either way, every second: the link is alive.
    case heartbeat
    /// Agent → pool: the worker runs, as process `pid` of that host.
    case started(worker: UInt32, pid: Int32)
    /// Agent → pool: the worker could not be started, and why.
    case startFailed(worker: UInt32, reason: String)
    /// Agent → pool: bytes the worker wrote to its standard error.
    case errorOutput(worker: UInt32, [UInt8])
    /// Agent → pool: the worker ended with this `waitpid` status; its channel's bytes all came before.
    case exited(worker: UInt32, waitStatus: Int32)

    static let headerSize = 9
    /// The largest slice of a worker's stream in one message.
    static let chunkLimit = 256 * 1024
    /// The largest body any message may have: a slice, or a hello or reason, with room to spare.
    static let bodyLimit = chunkLimit + 4096
    /// What the agent writes first, before any message.
    static let greeting: [UInt8] = Array("\u{0}PARALLEL-HOST-AGENT\u{0}".utf8)

    private var kind: UInt8 {
        switch self {
        case .hello: 0
        case .start: 1
        case .data: 2
        case .signal: 3
        case .heartbeat: 4
        case .started: 5
        case .startFailed: 6
        case .errorOutput: 7
        case .exited: 8
        case .endOfInput: 9
        }
    }

    /// Appends the message's bytes to `bytes`.
    func encode(into bytes: inout [UInt8]) {
        var worker: UInt32 = 0
        var body: [UInt8] = []
        switch self {
        case .hello(let text): body = text
        case .start(let id, let limit, let initializer):
            worker = id
            body = Self.bytes(of: UInt64(clamping: limit)) + [initializer ? 1 : 0]
        case .data(let id, let payload), .errorOutput(let id, let payload):
            worker = id
            body = payload
        case .signal(let id, let signal):
            worker = id
            body = Self.bytes(of: UInt32(bitPattern: signal))
        case .heartbeat: break
        case .endOfInput(let id): worker = id
        case .started(let id, let pid):
            worker = id
            body = Self.bytes(of: UInt32(bitPattern: pid))
        case .startFailed(let id, let reason):
            worker = id
            body = Array(reason.utf8.prefix(Self.bodyLimit))
        case .exited(let id, let status):
            worker = id
            body = Self.bytes(of: UInt32(bitPattern: status))
        }
        bytes.append(kind)
        bytes += Self.bytes(of: worker)
        bytes += Self.bytes(of: UInt32(body.count))
        bytes += body
    }

    /// The message's bytes.
    var encoded: [UInt8] {
        var bytes: [UInt8] = []
        encode(into: &bytes)
        return bytes
    }

    /// Decodes one message from a complete header's fields and body; a typed error for anything
    /// that is not a message this version writes.
    static func decode(kind: UInt8, worker: UInt32, body: ArraySlice<UInt8>) throws(HostLinkError) -> HostMessage {
        func word() throws(HostLinkError) -> UInt32 {
            guard body.count == 4 else { throw .malformed("a message of kind \(kind) with \(body.count) bytes instead of 4") }
            return littleEndian(body)
        }
        switch kind {
        case 0: return .hello(Array(body))
        case 1:
            guard body.count == 9 else { throw .malformed("a start message with \(body.count) bytes instead of 9") }
            let limit = UInt64(littleEndian(body.prefix(4))) | UInt64(littleEndian(body.dropFirst(4).prefix(4))) << 32
            let flag = body[body.endIndex - 1]
            guard limit > 0, limit <= UInt64(Int.max), flag <= 1 else { throw .malformed("a start message with a bad limit or flag") }
            return .start(worker: worker, frameLimit: Int(limit), hasInitializer: flag == 1)
        case 2: return .data(worker: worker, Array(body))
        case 3: return .signal(worker: worker, Int32(bitPattern: try word()))
        case 4:
            guard body.isEmpty else { throw .malformed("a heartbeat with \(body.count) bytes") }
            return .heartbeat
        case 5: return .started(worker: worker, pid: Int32(bitPattern: try word()))
        case 6: return .startFailed(worker: worker, reason: String(decoding: body, as: UTF8.self))
        case 7: return .errorOutput(worker: worker, Array(body))
        case 8: return .exited(worker: worker, waitStatus: Int32(bitPattern: try word()))
        case 9:
            guard body.isEmpty else { throw .malformed("an end of input with \(body.count) bytes") }
            return .endOfInput(worker: worker)
        default: throw .malformed("unknown message kind \(kind)")
        }
    }

    private static func bytes(of value: UInt32) -> [UInt8] {
        [UInt8(value & 0xff), UInt8(value >> 8 & 0xff), UInt8(value >> 16 & 0xff), UInt8(value >> 24)]
    }

    private static func bytes(of value: UInt64) -> [UInt8] {
        bytes(of: UInt32(value & 0xffff_ffff)) + bytes(of: UInt32(value >> 32))
    }
}

/// The little-endian UInt32 in the first four bytes of `bytes` (which has at least four).
private func littleEndian(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var value: UInt32 = 0
    for (shift, byte) in zip(stride(from: 0, to: 32, by: 8), bytes) { value |= UInt32(byte) << UInt32(shift) }
    return value
}

/// Reassembles ``HostMessage``s from the bytes of a host link as they arrive, and, until the agent's
/// ``HostMessage/greeting``, keeps what came before it (a login shell's output).
struct HostMessageReader {
    private var buffer: [UInt8] = []
    private var start = 0
    /// Whether the greeting must come first (the pool's side) and has not yet.
    private(set) var awaitingGreeting: Bool
    /// Bytes before the greeting: most likely what a login shell's rc file printed.
    private(set) var preamble: [UInt8] = []
    /// The most preamble kept while looking for the greeting.
    static let preambleLimit = 64 * 1024

    init(expectGreeting: Bool) {
        awaitingGreeting = expectGreeting
    }

    mutating func append(_ bytes: ArraySlice<UInt8>) {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        buffer += bytes
    }

    /// The next whole message, nil if more bytes are needed; a typed error for bytes that are not
    /// messages, or a preamble past ``preambleLimit``.
    mutating func next() throws(HostLinkError) -> HostMessage? {
        if awaitingGreeting {
            let greeting = HostMessage.greeting
            guard let found = firstIndex(of: greeting) else {
                // Keep the tail that may be the greeting's start; the rest is preamble.
                let keep = min(buffer.count - start, greeting.count - 1)
                preamble += buffer[start..<(buffer.count - keep)]
                start = buffer.count - keep
                if preamble.count > Self.preambleLimit { throw .preamble(preamble) }
                return nil
            }
            preamble += buffer[start..<found]
            start = found + greeting.count
            awaitingGreeting = false
        }
        guard buffer.count - start >= HostMessage.headerSize else { return nil }
        let kind = buffer[start]
        let worker = littleEndian(buffer[(start + 1)..<(start + 5)])
        let length = Int(littleEndian(buffer[(start + 5)..<(start + 9)]))
        guard length <= HostMessage.bodyLimit else {
            throw .malformed("a message of \(length) bytes; the limit is \(HostMessage.bodyLimit)")
        }
        guard buffer.count - start - HostMessage.headerSize >= length else { return nil }
        let bodyStart = start + HostMessage.headerSize
        let message = try HostMessage.decode(kind: kind, worker: worker, body: buffer[bodyStart..<(bodyStart + length)])
        start = bodyStart + length
        if start > 1 << 20 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        return message
    }

    private func firstIndex(of needle: [UInt8]) -> Int? {
        guard buffer.count - start >= needle.count else { return nil }
        var index = start
        while index <= buffer.count - needle.count {
            if buffer[index] == needle[0] && buffer[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
