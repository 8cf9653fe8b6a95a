#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Decodes any `Decodable` value from the package's ``BinaryFormat``. Bad bytes are a
/// `DecodingError`, never a crash or an allocation larger than the input.
///
/// ```swift
/// let bytes = try BinaryEncoder().encode(["a": [1.5, 2.5]])
/// let back = try BinaryDecoder().decode([String: [Double]].self, from: bytes)
/// ```
struct BinaryDecoder {
    /// The deepest nesting accepted, as JSONDecoder's: forged bytes cannot exhaust the stack.
    static let maxDepth = 512

    /// What every `init(from:)` finds in its decoder's `userInfo` (a ``SharedArray`` looks for the
    /// message's descriptor table there).
    var userInfo: [CodingUserInfoKey: Any] = [:]

    /// Decodes a `Value` from `bytes[start...]`.
    func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8], startingAt start: Int = 0) throws -> Value {
        let input = try DecodingInput(bytes: bytes, start: start, userInfo: userInfo)
        return try input.decodeValue(Value.self, at: input.rootOffset, path: .root, depth: 0)
    }
}

/// The bytes being decoded, their key table, and bounds-checked reads at offsets.
final class DecodingInput {
    let bytes: [UInt8]
    let keys: [String]
    let rootOffset: Int
    /// Where the value ends and the key table starts.
    let bodyEnd: Int
    let userInfo: [CodingUserInfoKey: Any]
    /// Unchecked for exclusivity as ``EncodingState``'s properties are: one decoding thread, no
    /// access spanning a call to user code.
    @exclusivity(unchecked) private var directTypes = DirectType.Lookup()

    init(bytes: [UInt8], start: Int, userInfo: [CodingUserInfoKey: Any] = [:]) throws {
        self.bytes = bytes
        self.userInfo = userInfo
        func corrupted(_ detail: String) -> DecodingError {
            .dataCorrupted(DecodingError.Context(codingPath: [], debugDescription: detail))
        }
        guard start >= 0, bytes.count - start >= BinaryFormat.headerSize else {
            throw corrupted("\(max(0, bytes.count - start)) bytes, too few for the binary format's \(BinaryFormat.headerSize)-byte header")
        }
        guard bytes[start] == BinaryFormat.version else {
            throw corrupted("unknown binary format \(bytes[start]); this decoder reads format \(BinaryFormat.version) (were the bytes written by another version of Parallel?)")
        }
        var table: UInt64 = 0
        for index in 0..<8 { table |= UInt64(bytes[start + 1 + index]) << (8 * UInt64(index)) }
        guard table >= UInt64(BinaryFormat.headerSize + 1), table <= UInt64(bytes.count - start) else {
            throw corrupted("the key table offset \(table) is outside the \(bytes.count - start) bytes")
        }
        rootOffset = start + BinaryFormat.headerSize
        bodyEnd = start + Int(table)
        var position = bodyEnd
        var keys: [String] = []
        guard let raw = Self.varint(bytes, &position, limit: bytes.count), let count = Int(exactly: raw),
              count <= bytes.count - position
        else { throw corrupted("a key table count larger than its bytes") }
        keys.reserveCapacity(count)
        for _ in 0..<count {
            guard let length = Self.varint(bytes, &position, limit: bytes.count).flatMap({ Int(exactly: $0) }),
                  length <= bytes.count - position,
                  let key = String(validating: bytes[position..<position + length], as: UTF8.self)
            else { throw corrupted("a key in the key table is truncated or not UTF-8") }
            keys.append(key)
            position += length
        }
        guard position == bytes.count else { throw corrupted("\(bytes.count - position) bytes after the key table") }
        self.keys = keys
        guard try skip(at: rootOffset, limit: bodyEnd, path: .root) == bodyEnd else {
            throw corrupted("the value does not end where the key table starts")
        }
    }

    // MARK: Errors

    func corrupted(_ detail: String, _ path: @autoclosure () -> CodingPathNode) -> DecodingError {
        .dataCorrupted(DecodingError.Context(codingPath: path().path, debugDescription: detail))
    }

    func mismatch(_ type: Any.Type, at offset: Int, _ path: @autoclosure () -> CodingPathNode) -> DecodingError {
        let found = offset < bodyEnd ? BinaryFormat.Tag(rawValue: bytes[offset]).map { "\($0)" } ?? "tag \(bytes[offset])" : "the end"
        if found == "null" {
            return .valueNotFound(type, DecodingError.Context(codingPath: path().path, debugDescription: "found nil"))
        }
        return .typeMismatch(type, DecodingError.Context(codingPath: path().path, debugDescription: "found \(found)"))
    }

    // MARK: Structure

    /// A LEB128 varint, or `nil` if it is truncated or longer than 64 bits.
    static func varint(_ bytes: [UInt8], _ position: inout Int, limit: Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while position < limit {
            let byte = bytes[position]
            position += 1
            if shift == 63 && byte > 1 { return nil }
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
            if shift > 63 { return nil }
        }
        return nil
    }

    func varint(_ position: inout Int, limit: Int, _ path: @autoclosure () -> CodingPathNode) throws -> UInt64 {
        guard let value = Self.varint(bytes, &position, limit: limit) else {
            throw corrupted("a truncated or over-long varint", path())
        }
        return value
    }

    /// A varint that counts bytes before `limit`: checked against them, so it cannot ask for more.
    func length(_ position: inout Int, limit: Int, width: Int = 1, _ path: @autoclosure () -> CodingPathNode) throws -> Int {
        let raw = try varint(&position, limit: limit, path())
        guard raw <= UInt64(Int.max), case let (bytes, overflow) = Int(raw).multipliedReportingOverflow(by: width),
              !overflow, bytes <= limit - position
        else { throw corrupted("a length of \(raw) × \(width) bytes where \(limit - position) remain", path()) }
        return Int(raw)
    }

    func uint32(at offset: Int) -> Int {
        Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16 | Int(bytes[offset + 3]) << 24
    }

    /// Where the value at `offset` ends, checking that it ends by `limit`.
    func skip(at offset: Int, limit: Int, path: @autoclosure () -> CodingPathNode) throws -> Int {
        guard offset < limit, let tag = BinaryFormat.Tag(rawValue: bytes[offset]) else {
            throw corrupted(offset < limit ? "unknown tag \(bytes[offset])" : "truncated: a value expected", path())
        }
        var position = offset + 1
        switch tag {
        case .null, .falseValue, .trueValue:
            break
        case .int, .uint:
            _ = try varint(&position, limit: limit, path())
        case .float, .double:
            let width = tag == .float ? 4 : 8
            guard limit - position >= width else { throw corrupted("a truncated number", path()) }
            position += width
        case .string:
            position += try length(&position, limit: limit, path())
        case .scalars:
            guard position < limit, let kind = BinaryFormat.ScalarKind(rawValue: bytes[position]) else {
                throw corrupted("an unknown scalar array element kind", path())
            }
            position += 1
            position += try length(&position, limit: limit, width: kind.width, path()) * kind.width
        case .keyed, .unkeyed:
            guard limit - position >= 8 else { throw corrupted("a truncated container header", path()) }
            let content = uint32(at: position)
            position += 8
            guard content <= limit - position else { throw corrupted("a container of \(content) bytes where \(limit - position) remain", path()) }
            position += content
        }
        return position
    }

    /// The content range and count of the container at `offset`.
    func container(at offset: Int, keyed: Bool, _ type: Any.Type, _ path: @autoclosure () -> CodingPathNode) throws -> (start: Int, end: Int, count: Int) {
        guard offset < bodyEnd, bytes[offset] == (keyed ? BinaryFormat.Tag.keyed : BinaryFormat.Tag.unkeyed).rawValue else {
            throw mismatch(type, at: offset, path())
        }
        let end = try skip(at: offset, limit: bodyEnd, path: path())
        let count = uint32(at: offset + 5)
        let start = offset + BinaryFormat.containerHeaderSize
        guard count <= end - start else { throw corrupted("\(count) entries in \(end - start) bytes", path()) }
        return (start, end, count)
    }

    // MARK: Values

    func isNil(at offset: Int) -> Bool { offset < bodyEnd && bytes[offset] == BinaryFormat.Tag.null.rawValue }

    func bool(at offset: Int, _ path: @autoclosure () -> CodingPathNode) throws -> Bool {
        guard offset < bodyEnd else { throw mismatch(Bool.self, at: offset, path()) }
        switch bytes[offset] {
        case BinaryFormat.Tag.falseValue.rawValue: return false
        case BinaryFormat.Tag.trueValue.rawValue: return true
        default: throw mismatch(Bool.self, at: offset, path())
        }
    }

    func integer<T: FixedWidthInteger>(_ type: T.Type, at offset: Int, _ path: @autoclosure () -> CodingPathNode) throws -> T {
        guard offset < bodyEnd else { throw mismatch(type, at: offset, path()) }
        var position = offset + 1
        if bytes[offset] == BinaryFormat.Tag.int.rawValue {
            let zigzag = try varint(&position, limit: bodyEnd, path())
            let value = Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1)
            guard let result = T(exactly: value) else { throw corrupted("\(value) does not fit in \(type)", path()) }
            return result
        }
        if bytes[offset] == BinaryFormat.Tag.uint.rawValue {
            let value = try varint(&position, limit: bodyEnd, path())
            guard let result = T(exactly: value) else { throw corrupted("\(value) does not fit in \(type)", path()) }
            return result
        }
        throw mismatch(type, at: offset, path())
    }

    private func fixed64(at offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
        return value
    }

    func double(at offset: Int, _ path: @autoclosure () -> CodingPathNode) throws -> Double {
        guard offset < bodyEnd else { throw mismatch(Double.self, at: offset, path()) }
        if bytes[offset] == BinaryFormat.Tag.double.rawValue, bodyEnd - offset >= 9 {
            return Double(bitPattern: fixed64(at: offset + 1))
        }
        if bytes[offset] == BinaryFormat.Tag.float.rawValue { return Double(try float(at: offset, path())) }
        throw mismatch(Double.self, at: offset, path())
    }

    func float(at offset: Int, _ path: @autoclosure () -> CodingPathNode) throws -> Float {
        guard offset < bodyEnd, bytes[offset] == BinaryFormat.Tag.float.rawValue, bodyEnd - offset >= 5 else {
            throw mismatch(Float.self, at: offset, path())
        }
        return Float(bitPattern: UInt32(uint32(at: offset + 1)))
    }

    func string(at offset: Int, _ path: @autoclosure () -> CodingPathNode) throws -> String {
        guard offset < bodyEnd, bytes[offset] == BinaryFormat.Tag.string.rawValue else { throw mismatch(String.self, at: offset, path()) }
        var position = offset + 1
        let count = try length(&position, limit: bodyEnd, path())
        // ASCII, the common case, needs no validation: checked in one pass over the bytes, then
        // decoded directly (String(validating:) on a slice costs a generic path for every string).
        let string: String? = bytes.withUnsafeBufferPointer { buffer -> String? in
            let utf8 = UnsafeBufferPointer(rebasing: buffer[position..<position + count])
            return Self.isASCII(utf8) ? LargeBuffer.string(ascii: utf8) : String(validating: utf8, as: UTF8.self)
        }
        guard let string else { throw corrupted("a string that is not UTF-8", path()) }
        return string
    }

    /// Whether every byte is below 0x80, checked eight at a time (a byte at a time took a tenth of
    /// a big string's round trip to a worker).
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        var high: UInt64 = 0
        while offset + 8 <= bytes.count {
            high |= raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            offset += 8
        }
        while offset < bytes.count {
            high |= UInt64(bytes[offset])
            offset += 1
        }
        return high & 0x8080_8080_8080_8080 == 0
    }

    /// The byte range of the elements of the scalar array at `offset`, which must hold `kind`.
    func scalars(at offset: Int, kind: BinaryFormat.ScalarKind, path: @autoclosure () -> CodingPathNode) throws -> Range<Int> {
        guard offset + 1 < bodyEnd, bytes[offset] == BinaryFormat.Tag.scalars.rawValue else {
            throw mismatch([Any].self, at: offset, path())
        }
        guard bytes[offset + 1] == kind.rawValue else {
            throw DecodingError.typeMismatch([Any].self, DecodingError.Context(
                codingPath: path().path,
                debugDescription: "an array of \(BinaryFormat.ScalarKind(rawValue: bytes[offset + 1]).map { "\($0)" } ?? "unknown elements") where one of \(kind) was expected"
            ))
        }
        var position = offset + 2
        let count = try length(&position, limit: bodyEnd, width: kind.width, path())
        return position..<position + count * kind.width
    }

    /// Decodes a `Value` at `offset`: the ``DirectType``s directly, anything else through its
    /// `init(from:)`. Each `unsafeBitCast` below converts a value to its own type.
    func decodeValue<Value: Decodable>(_ type: Value.Type, at offset: Int, path: CodingPathNode, depth: Int) throws -> Value {
        // An unkeyed container holding scalars (written by another encoder) decodes element by element.
        let unkeyed = offset < bodyEnd && bytes[offset] == BinaryFormat.Tag.unkeyed.rawValue
        if let direct = directTypes.of(Value.self) {
            if !unkeyed, let array = try ScalarArrays.decode(type, as: direct, from: self, at: offset, path: path) { return array }
            switch direct {
            case .string: return unsafeBitCast(try string(at: offset, path), to: Value.self)
            case .double: return unsafeBitCast(try double(at: offset, path), to: Value.self)
            case .int: return unsafeBitCast(try integer(Int.self, at: offset, path), to: Value.self)
            case .bool: return unsafeBitCast(try bool(at: offset, path), to: Value.self)
            case .float: return unsafeBitCast(try float(at: offset, path), to: Value.self)
            case .date: return unsafeBitCast(Date(timeIntervalSinceReferenceDate: try double(at: offset, path)), to: Value.self)
            case .url:
                let string = try string(at: offset, path)
                guard let url = URL(string: string) else { throw corrupted("an invalid URL \(string)", path) }
                return unsafeBitCast(url, to: Value.self)
            case .data:
                let range = try scalars(at: offset, kind: .uint8, path: path)
                return unsafeBitCast(bytes.withUnsafeBytes { LargeBuffer.data(copying: UnsafeRawBufferPointer(rebasing: $0[range])) }, to: Value.self)
            case .strings, .doubles, .bytes, .ints, .floats, .bools, .int8s, .int16s, .int32s, .int64s, .uints, .uint16s, .uint32s, .uint64s:
                break  // [String] through its init(from:); a scalar array above unless unkeyed
            }
        }
        guard depth < BinaryDecoder.maxDepth else { throw corrupted("nested deeper than \(BinaryDecoder.maxDepth) levels", path) }
        return try Value(from: SlotDecoder(input: self, offset: offset, path: path, depth: depth + 1))
    }
}
