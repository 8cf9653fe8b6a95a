#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How task inputs and outputs become bytes on a worker's channel.
///
/// Measured, then chosen: the values tasks pass most often — integers, floating-point numbers,
/// strings and booleans, alone or in arrays (a chunk of inputs is an array) — travel as raw
/// little-endian bytes behind a one-byte tag; everything else in the package's ``BinaryFormat``
/// (structs, enums, nested arrays, `Data`…; numbers and bytes in it are raw too). JSON stays
/// available for debugging: with `PARALLEL_PAYLOAD_FORMAT=json` in the environment, a process
/// encodes as JSON what it would encode in the binary format (workers inherit the variable, and every
/// decoder reads both, by the tag). Every decode checks the tag and the lengths, so bad bytes are an
/// error.
enum WireCodec {
    private enum Tag: UInt8 {
        case json = 0
        case ints, doubles, strings, bools
        case int, double, string, bool
        case binary
    }

    /// How values off the raw paths are encoded, from `PARALLEL_PAYLOAD_FORMAT`.
    enum PayloadFormat: Equatable {
        case binary, json
        case invalid(String)

        static let variable = "PARALLEL_PAYLOAD_FORMAT"

        init(environmentValue: String?) {
            switch environmentValue {
            case nil, "", "binary": self = .binary
            case "json": self = .json
            case let other?: self = .invalid(other)
            }
        }

        /// This process's choice, read once.
        static let current = PayloadFormat(environmentValue: ProcessInfo.processInfo.environment[variable])
    }

    /// Encodes `value`; a ``SharedArray`` in it is added to `descriptors`, to travel beside the
    /// bytes (without a table, encoding one throws). The encoding follows `prefix` in the same
    /// buffer: a frame's header, so the payload is written once, where it is sent from.
    static func encode<Value: Encodable>(
        _ value: Value, descriptors: DescriptorTable? = nil, prefix: [UInt8] = []
    ) throws -> [UInt8] {
        // Metatype comparisons, not `as?` casts: a worker's first dynamic cast scans every protocol
        // conformance of every loaded library, which measurably delays its first answer.
        if Value.self == [Int].self {
            let ints = unsafeBitCast(value, to: [Int].self)
            var bytes = start(prefix, .ints, room: ints.count * 8)
            if Int.bitWidth == 64 && 1.littleEndian == 1 {
                ints.withUnsafeBytes { bytes.appendBytes($0) }
            } else {
                for int in ints { appendInt(Int64(int), to: &bytes) }
            }
            return bytes
        }
        if Value.self == [Double].self {
            let doubles = unsafeBitCast(value, to: [Double].self)
            var bytes = start(prefix, .doubles, room: doubles.count * 8)
            doubles.withUnsafeBytes { bytes.appendBytes($0) }
            return bytes
        }
        if Value.self == [String].self {
            var bytes = start(prefix, .strings, room: 0)
            for string in unsafeBitCast(value, to: [String].self) { appendString(string, to: &bytes) }
            return bytes
        }
        if Value.self == [Bool].self {
            let bools = unsafeBitCast(value, to: [Bool].self)
            var bytes = start(prefix, .bools, room: bools.count)
            for bool in bools { bytes.append(bool ? 1 : 0) }
            return bytes
        }
        if Value.self == Int.self {
            var bytes = start(prefix, .int, room: 8)
            appendInt(Int64(unsafeBitCast(value, to: Int.self)), to: &bytes)
            return bytes
        }
        if Value.self == Double.self {
            var bytes = start(prefix, .double, room: 8)
            appendInt(Int64(bitPattern: unsafeBitCast(value, to: Double.self).bitPattern), to: &bytes)
            return bytes
        }
        if Value.self == String.self {
            var bytes = start(prefix, .string, room: 0)
            appendString(unsafeBitCast(value, to: String.self), to: &bytes)
            return bytes
        }
        if Value.self == Bool.self {
            var bytes = start(prefix, .bool, room: 1)
            bytes.append(unsafeBitCast(value, to: Bool.self) ? 1 : 0)
            return bytes
        }
        return try encodeCoded(value, descriptors: descriptors, prefix: prefix, segments: false).bytes
    }

    /// Encodes `value` after `prefix` as ``encode(_:descriptors:prefix:)`` does, into a frame whose
    /// big arrays, `Data` and `String`s (in the binary format) are written from where they are, not
    /// copied into it (``ByteSegment``).
    static func encodeFrame<Value: Encodable>(
        _ value: Value, descriptors: DescriptorTable? = nil, prefix: [UInt8]
    ) throws -> OutgoingFrame {
        guard expectedTag(for: Value.self) == .json else {
            return OutgoingFrame(bytes: try encode(value, descriptors: descriptors, prefix: prefix))
        }
        return try encodeCoded(value, descriptors: descriptors, prefix: prefix, segments: true)
    }

    /// A value off the raw paths, in this process's ``PayloadFormat``; with `segments`, the binary
    /// format leaves big arrays where they are (JSON has none).
    private static func encodeCoded<Value: Encodable>(
        _ value: Value, descriptors: DescriptorTable?, prefix: [UInt8], segments: Bool
    ) throws -> OutgoingFrame {
        let userInfo: [CodingUserInfoKey: any Sendable] = descriptors.map { [.descriptorTable: $0] } ?? [:]
        switch PayloadFormat.current {
        case .binary:
            let (bytes, segments) = try BinaryEncoder(userInfo: userInfo).encode(value, prefix: prefix + [Tag.binary.rawValue], segments: segments)
            return OutgoingFrame(bytes: bytes, segments: segments)
        case .json:
            let encoder = JSONEncoder()
            encoder.userInfo = userInfo
            return OutgoingFrame(bytes: prefix + [Tag.json.rawValue] + Array(try encoder.encode(value)))
        case .invalid(let text):
            throw WireCodecError(message: "\(PayloadFormat.variable)=\(text) is not a payload format: set it to json (for debugging) or binary, or unset it")
        }
    }

    /// `prefix` and `tag`, with room for `room` more bytes.
    private static func start(_ prefix: [UInt8], _ tag: Tag, room: Int) -> [UInt8] {
        var bytes = prefix
        bytes.reserveCapacity(prefix.count + 1 + room)
        bytes.append(tag.rawValue)
        return bytes
    }

    /// Decodes a `Value` from `bytes`; a ``SharedArray`` in it maps its descriptor from
    /// `descriptors`, those that came with the bytes.
    static func decode<Value: Decodable>(
        _ type: Value.Type, from bytes: [UInt8], descriptors: DescriptorTable? = nil
    ) throws -> Value {
        guard let first = bytes.first, let tag = Tag(rawValue: first) else {
            throw WireCodecError(message: "unknown encoding tag \(bytes.first.map(String.init) ?? "(empty)")")
        }
        let body = bytes[1...]
        // A raw tag is accepted only for the exact type it encodes, which makes the `unsafeBitCast`s
        // below identity conversions.
        guard tag == .json || tag == .binary || expectedTag(for: Value.self) == tag else {
            throw WireCodecError(message: "expected \(Value.self), got bytes tagged \(tag)")
        }
        let userInfo: [CodingUserInfoKey: any Sendable] = descriptors.map { [.descriptorTable: $0] } ?? [:]
        switch tag {
        case .json:
            let decoder = JSONDecoder()
            decoder.userInfo = userInfo
            return try decoder.decode(type, from: Data(body))
        case .binary:
            return try BinaryDecoder(userInfo: userInfo).decode(type, from: bytes, startingAt: 1)
        case .ints:
            guard body.count % 8 == 0 else { throw WireCodecError(message: "\(body.count) bytes are not whole integers") }
            var ints = [Int](repeating: 0, count: body.count / 8)
            if Int.bitWidth == 64 && 1.littleEndian == 1 {
                ints.withUnsafeMutableBytes { target in body.withUnsafeBytes { target.copyMemory(from: $0) } }
            } else {
                var reader = ByteReader(bytes: body)
                for index in ints.indices { ints[index] = Int(truncatingIfNeeded: Int64(bitPattern: try reader.readUInt64())) }
            }
            return unsafeBitCast(ints, to: Value.self)
        case .doubles:
            guard body.count % 8 == 0 else { throw WireCodecError(message: "\(body.count) bytes are not whole numbers") }
            var doubles = [Double](repeating: 0, count: body.count / 8)
            doubles.withUnsafeMutableBytes { target in body.withUnsafeBytes { target.copyMemory(from: $0) } }
            return unsafeBitCast(doubles, to: Value.self)
        case .strings:
            var reader = ByteReader(bytes: body)
            var strings: [String] = []
            while reader.remaining > 0 { strings.append(try reader.readString()) }
            return unsafeBitCast(strings, to: Value.self)
        case .bools:
            return unsafeBitCast(body.map { $0 != 0 }, to: Value.self)
        case .int:
            var reader = ByteReader(bytes: body)
            let int = Int(truncatingIfNeeded: Int64(bitPattern: try reader.readUInt64()))
            try reader.expectEnd()
            return unsafeBitCast(int, to: Value.self)
        case .double:
            var reader = ByteReader(bytes: body)
            let double = Double(bitPattern: try reader.readUInt64())
            try reader.expectEnd()
            return unsafeBitCast(double, to: Value.self)
        case .string:
            var reader = ByteReader(bytes: body)
            let string = try reader.readString()
            try reader.expectEnd()
            return unsafeBitCast(string, to: Value.self)
        case .bool:
            guard body.count == 1 else { throw WireCodecError(message: "a boolean of \(body.count) bytes") }
            return unsafeBitCast(body[body.startIndex] != 0, to: Value.self)
        }
    }

    /// The raw tag values of type `Value` travel under, or `.json`.
    private static func expectedTag<Value>(for type: Value.Type) -> Tag {
        if type == [Int].self { return .ints }
        if type == [Double].self { return .doubles }
        if type == [String].self { return .strings }
        if type == [Bool].self { return .bools }
        if type == Int.self { return .int }
        if type == Double.self { return .double }
        if type == String.self { return .string }
        if type == Bool.self { return .bool }
        return .json
    }

    /// A readable one-line message for a codec error.
    static func message(_ error: any Error) -> String {
        switch error {
        case EncodingError.invalidValue(let value, let context):
            "invalid value \(value) at \(path(context.codingPath)): \(context.debugDescription)"
        case DecodingError.typeMismatch(let type, let context),
             DecodingError.valueNotFound(let type, let context):
            "expected \(type) at \(path(context.codingPath)): \(context.debugDescription)"
        case DecodingError.keyNotFound(let key, let context):
            "missing key \(key.stringValue) at \(path(context.codingPath)): \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context):
            "corrupted data at \(path(context.codingPath)): \(context.debugDescription)"
        default:
            String(describing: error)
        }
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.isEmpty ? "the top level" : codingPath.map(\.stringValue).joined(separator: ".")
    }

    private static func appendInt(_ value: Int64, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.appendBytes($0) }
    }

    private static func appendString(_ string: String, to bytes: inout [UInt8]) {
        var writer = ByteWriter()
        writer.appendString(string)
        bytes.append(contentsOf: writer.bytes)
    }
}

/// Bytes that do not hold a value of the expected type.
struct WireCodecError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
