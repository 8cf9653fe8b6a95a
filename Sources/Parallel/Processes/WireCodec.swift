#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How task inputs and outputs become bytes on a worker's channel.
///
/// Measured, then chosen: JSON costs over a microsecond per integer each way, so the values tasks
/// pass most often — integers, floating-point numbers, strings and booleans, alone or in arrays
/// (a chunk of inputs is an array) — travel as raw little-endian bytes behind a one-byte tag, and
/// everything else as JSON. Every decode checks the tag and the length, so bad bytes are an error.
enum WireCodec {
    private enum Tag: UInt8 {
        case json = 0
        case ints, doubles, strings, bools
        case int, double, string, bool
    }

    /// Encodes `value`.
    static func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        switch value {
        case let ints as [Int]:
            var bytes = [Tag.ints.rawValue]
            bytes.reserveCapacity(1 + ints.count * 8)
            if Int.bitWidth == 64 && 1.littleEndian == 1 {
                ints.withUnsafeBytes { bytes.appendBytes($0) }
            } else {
                for int in ints { appendInt(Int64(int), to: &bytes) }
            }
            return bytes
        case let doubles as [Double]:
            var bytes = [Tag.doubles.rawValue]
            bytes.reserveCapacity(1 + doubles.count * 8)
            for double in doubles { appendInt(Int64(bitPattern: double.bitPattern), to: &bytes) }
            return bytes
        case let strings as [String]:
            var bytes = [Tag.strings.rawValue]
            for string in strings { appendString(string, to: &bytes) }
            return bytes
        case let bools as [Bool]:
            return [Tag.bools.rawValue] + bools.map { $0 ? 1 : 0 }
        case let int as Int:
            var bytes = [Tag.int.rawValue]
            appendInt(Int64(int), to: &bytes)
            return bytes
        case let double as Double:
            var bytes = [Tag.double.rawValue]
            appendInt(Int64(bitPattern: double.bitPattern), to: &bytes)
            return bytes
        case let string as String:
            var bytes = [Tag.string.rawValue]
            appendString(string, to: &bytes)
            return bytes
        case let bool as Bool:
            return [Tag.bool.rawValue, bool ? 1 : 0]
        default:
            return [Tag.json.rawValue] + Array(try JSONEncoder().encode(value))
        }
    }

    /// Decodes a `Value` from `bytes`.
    static func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value {
        guard let first = bytes.first, let tag = Tag(rawValue: first) else {
            throw WireCodecError(message: "unknown encoding tag \(bytes.first.map(String.init) ?? "(empty)")")
        }
        let body = bytes[1...]
        let value: Any
        switch tag {
        case .json:
            return try JSONDecoder().decode(type, from: Data(body))
        case .ints:
            guard body.count % 8 == 0 else { throw WireCodecError(message: "\(body.count) bytes are not whole integers") }
            var ints = [Int](repeating: 0, count: body.count / 8)
            if Int.bitWidth == 64 && 1.littleEndian == 1 {
                ints.withUnsafeMutableBytes { target in body.withUnsafeBytes { target.copyMemory(from: $0) } }
            } else {
                var reader = ByteReader(bytes: body)
                for index in ints.indices { ints[index] = Int(truncatingIfNeeded: Int64(bitPattern: try reader.readUInt64())) }
            }
            value = ints
        case .doubles:
            guard body.count % 8 == 0 else { throw WireCodecError(message: "\(body.count) bytes are not whole numbers") }
            var reader = ByteReader(bytes: body)
            value = try (0..<(body.count / 8)).map { _ in Double(bitPattern: try reader.readUInt64()) }
        case .strings:
            var reader = ByteReader(bytes: body)
            var strings: [String] = []
            while reader.remaining > 0 { strings.append(try reader.readString()) }
            value = strings
        case .bools:
            value = body.map { $0 != 0 }
        case .int:
            var reader = ByteReader(bytes: body)
            value = Int(truncatingIfNeeded: Int64(bitPattern: try reader.readUInt64()))
            try reader.expectEnd()
        case .double:
            var reader = ByteReader(bytes: body)
            value = Double(bitPattern: try reader.readUInt64())
            try reader.expectEnd()
        case .string:
            var reader = ByteReader(bytes: body)
            value = try reader.readString()
            try reader.expectEnd()
        case .bool:
            guard body.count == 1 else { throw WireCodecError(message: "a boolean of \(body.count) bytes") }
            value = body[body.startIndex] != 0
        }
        guard let typed = value as? Value else {
            throw WireCodecError(message: "expected \(Value.self), got \(Swift.type(of: value))")
        }
        return typed
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
