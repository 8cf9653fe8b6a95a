#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The types the codec writes and reads itself, without their `encode(to:)` or `init(from:)`:
/// the scalar arrays (one length, one copy of the bytes: ``ScalarArrays``), `String`, `Double`,
/// `Int`, `Bool`, `Float`, `Date`, `URL`, `Data`, and `[String]` (written only).
///
/// Recognised by metatype identity, not by `as?` casts: a worker's first dynamic cast scans every
/// protocol conformance of every loaded library, which measurably delays its first answer. The
/// identities are taken once, here: naming a generic type such as `[Double]` in unspecialised code
/// asks the runtime's metadata cache at every use, and asking it twenty times for every value was a
/// tenth of the time of decoding an array of structs.
enum DirectType {
    case doubles, bytes, ints, floats, bools, int8s, int16s, int32s, int64s, uints, uint16s, uint32s, uint64s
    case string, double, int, bool, float, date, url, data, strings

    /// What `Value` is, or `nil` for a type coded through its own `Codable` methods.
    static func of<Value>(_ type: Value.Type) -> DirectType? {
        let id = ObjectIdentifier(type)
        for (known, direct) in table where known == id { return direct }
        return nil
    }

    /// ``of(_:)`` for one encoding or decoding, which remembers the last type that is not direct: the
    /// elements of an array of structs are that type, one after another, and each asked the table.
    struct Lookup {
        private var lastIndirect: ObjectIdentifier?

        mutating func of<Value>(_ type: Value.Type) -> DirectType? {
            let id = ObjectIdentifier(type)
            guard id != lastIndirect else { return nil }
            guard let direct = DirectType.of(type) else {
                lastIndirect = id
                return nil
            }
            return direct
        }
    }

    private static let table: [(ObjectIdentifier, DirectType)] = [
        (ObjectIdentifier(String.self), .string), (ObjectIdentifier(Double.self), .double),
        (ObjectIdentifier(Int.self), .int), (ObjectIdentifier([Double].self), .doubles),
        (ObjectIdentifier([UInt8].self), .bytes), (ObjectIdentifier(Data.self), .data),
        (ObjectIdentifier(Bool.self), .bool), (ObjectIdentifier(Float.self), .float),
        (ObjectIdentifier([Int].self), .ints), (ObjectIdentifier([Float].self), .floats),
        (ObjectIdentifier([String].self), .strings), (ObjectIdentifier(Date.self), .date),
        (ObjectIdentifier(URL.self), .url), (ObjectIdentifier([Bool].self), .bools),
        (ObjectIdentifier([Int8].self), .int8s), (ObjectIdentifier([Int16].self), .int16s),
        (ObjectIdentifier([Int32].self), .int32s), (ObjectIdentifier([Int64].self), .int64s),
        (ObjectIdentifier([UInt].self), .uints), (ObjectIdentifier([UInt16].self), .uint16s),
        (ObjectIdentifier([UInt32].self), .uint32s), (ObjectIdentifier([UInt64].self), .uint64s),
    ]
}
