#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How task inputs and outputs become bytes on a worker's channel: JSON today, kept behind this one
/// type so the codec can be swapped after measuring.
enum WireCodec {
    /// Encodes `value`; the error message says which value failed and why.
    static func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        Array(try JSONEncoder().encode(value))
    }

    /// Decodes a `Value` from `bytes`.
    static func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value {
        try JSONDecoder().decode(type, from: Data(bytes))
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
}
