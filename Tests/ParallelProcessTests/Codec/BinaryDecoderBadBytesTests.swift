import Foundation
import Testing
@testable import Parallel

@Suite("Binary codec: bad bytes are a DecodingError, never a crash or a huge allocation", .timeLimit(.minutes(2)))
struct BinaryDecoderBadBytesTests {
    static let sample = [
        Custom(id: 7, tags: ["a", "b"], corner: (1, 2), base: Point(x: 1, y: 2, z: 3, label: "b")),
        Custom(id: -1, tags: [], corner: (0, 0), base: Point(x: 0, y: 0, z: 0, label: "")),
    ]

    /// `decode` throws a `DecodingError` (and nothing else).
    func expectDecodingError<Value: Decodable>(_ type: Value.Type, _ bytes: [UInt8], _ comment: Comment? = nil) {
        do {
            _ = try BinaryDecoder().decode(type, from: bytes)
            Issue.record(comment ?? "decoded bad bytes")
        } catch is DecodingError {
        } catch {
            Issue.record("\(error) is not a DecodingError")
        }
    }

    @Test("every truncation of a valid encoding is an error")
    func truncated() throws {
        let bytes = try BinaryEncoder().encode(Self.sample)
        for length in 0..<bytes.count {
            expectDecodingError([Custom].self, Array(bytes.prefix(length)), "decoded \(length) of \(bytes.count) bytes")
        }
        for length in 0..<bytes.count {
            expectDecodingError([Custom].self, Array(bytes.suffix(length)))
        }
    }

    @Test("every single-byte corruption of a valid encoding decodes or throws; none crashes")
    func corrupted() throws {
        let bytes = try BinaryEncoder().encode(Self.sample)
        for index in bytes.indices {
            for value: UInt8 in [0, 1, 0x7F, 0x80, 0xFF, bytes[index] ^ 0x55] {
                var bad = bytes
                bad[index] = value
                _ = try? BinaryDecoder().decode([Custom].self, from: bad)
            }
        }
    }

    @Test("an unknown format byte is an error that names the format")
    func wrongFormat() throws {
        var bytes = try BinaryEncoder().encode([1.0, 2.0])
        bytes[0] = 2
        do {
            _ = try BinaryDecoder().decode([Double].self, from: bytes)
            Issue.record("decoded format 2")
        } catch DecodingError.dataCorrupted(let context) {
            #expect(context.debugDescription.contains("unknown binary format 2"))
        }
    }

    /// A valid header and empty key table around `value`.
    func framed(_ value: [UInt8]) -> [UInt8] {
        let table = UInt64(BinaryFormat.headerSize + value.count)
        return [BinaryFormat.version] + withUnsafeBytes(of: table.littleEndian) { Array($0) } + value + [0]
    }

    /// A LEB128 varint.
    func varint(_ value: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        var rest = value
        while rest >= 0x80 { bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80); rest >>= 7 }
        return bytes + [UInt8(rest)]
    }

    @Test("the hand-made valid bytes the bad-length cases start from do decode")
    func handMadeBaseline() throws {
        let scalars = framed([8, 10] + varint(1) + withUnsafeBytes(of: 1.5) { Array($0) })
        #expect(try BinaryDecoder().decode([Double].self, from: scalars) == [1.5])
        #expect(try BinaryDecoder().decode(String.self, from: framed([7] + varint(2) + Array("hi".utf8))) == "hi")
        #expect(try BinaryDecoder().decode([Int].self, from: framed([10, 2, 0, 0, 0, 1, 0, 0, 0, 3, 2])) == [1])
    }

    @Test("a length of 2^62, 2^63, 2^64 - 1 or one over the bytes left is an error before any allocation")
    func forgedLengths() throws {
        for length: UInt64 in [1 << 62, 1 << 63, .max, 2, (1 << 61) + 1] {
            // A [Double] of `length` elements: `length × 8` overflows Int for the largest ones.
            expectDecodingError([Double].self, framed([8, 10] + varint(length) + [0, 0, 0, 0, 0, 0, 0, 0]), "\(length) doubles")
            expectDecodingError([UInt8].self, framed([8, 5] + varint(length) + [0]), "\(length) bytes")
            expectDecodingError(Data.self, framed([8, 5] + varint(length) + [0]), "\(length) bytes of Data")
            expectDecodingError(String.self, framed([7] + varint(length) + [0x61]), "a string of \(length)")
        }
        // Containers whose byte length or count overruns what is left.
        expectDecodingError([Int].self, framed([10, 0xFF, 0xFF, 0xFF, 0xFF, 1, 0, 0, 0, 3, 2]))
        expectDecodingError([Int].self, framed([10, 2, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x7F, 3, 2]))
        expectDecodingError([String: Int].self, framed([9, 2, 0, 0, 0, 1, 0, 0, 0, 5, 3]))  // key 5 of 0
        // A varint of eleven bytes overflows 64 bits.
        expectDecodingError(Int.self, framed([3] + [UInt8](repeating: 0xFF, count: 10) + [1]))
        // A key table that claims more keys than bytes, or a table offset outside the bytes.
        expectDecodingError(Int.self, [BinaryFormat.version, 11, 0, 0, 0, 0, 0, 0, 0, 3, 2] + varint(1 << 62))
        expectDecodingError(Int.self, [BinaryFormat.version, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 3, 2, 0])
    }

    @Test("a value of the wrong type, an integer out of range and a boolean array byte of 2 are errors")
    func wrongTypes() throws {
        expectDecodingError(Int8.self, try BinaryEncoder().encode(300))
        expectDecodingError(UInt.self, try BinaryEncoder().encode(-1))
        expectDecodingError(String.self, try BinaryEncoder().encode(1.5))
        expectDecodingError([Int32].self, try BinaryEncoder().encode([Int16(1)]))
        expectDecodingError([Bool].self, framed([8, 11] + varint(2) + [1, 2]))
        expectDecodingError(String.self, framed([7] + varint(2) + [0xC3, 0x28]))  // invalid UTF-8
    }

    @Test("nesting deeper than the limit is an error, not a stack overflow")
    func deepNesting() throws {
        indirect enum Tree: Codable { case leaf, node(Tree) }
        var nested: [UInt8] = [0]  // nil
        for _ in 0..<600 {
            // An unkeyed container of one element: the previous level.
            let length = UInt32(nested.count)
            nested = [10] + withUnsafeBytes(of: length.littleEndian) { Array($0) } + [1, 0, 0, 0] + nested
        }
        expectDecodingError([[[[[[[[Int]]]]]]]].self, framed(nested))
        var tree = Tree.leaf
        for _ in 0..<600 { tree = .node(tree) }
        expectDecodingError(Tree.self, try BinaryEncoder().encode(tree))
    }
}
