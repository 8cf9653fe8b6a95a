import Foundation
import Testing
@testable import Parallel

@Suite("Binary codec: every Codable shape round-trips", .timeLimit(.minutes(1)))
struct BinaryCodecTests {
    @Test("fixed-width scalars of every width, at their extremes, round-trip")
    func scalars() throws {
        let extremes = [
            Scalars(int: .min, int8: .min, int16: .min, int32: .min, int64: .min, uint: .min, uint8: .min, uint16: .min,
                    uint32: .min, uint64: .min, float: -.infinity, double: -.greatestFiniteMagnitude, bool: false, string: ""),
            Scalars(int: .max, int8: .max, int16: .max, int32: .max, int64: .max, uint: .max, uint8: .max, uint16: .max,
                    uint32: .max, uint64: .max, float: .leastNonzeroMagnitude, double: .infinity, bool: true, string: "é🙂\u{0}"),
        ]
        #expect(try binaryRoundTrip(extremes) == extremes)
        let nan = try binaryRoundTrip(Double.nan)
        #expect(nan.isNaN)
    }

    @Test("arrays of scalars, bytes, Data, strings and arrays of arrays round-trip, empty or not")
    func arrays() throws {
        let full = Arrays(
            ints: [.min, 0, .max], int8s: [-1, 2], int16s: [-300], int32s: [1 << 20], int64s: [.min],
            uints: [.max], bytes: Array(0...255), uint16s: [65535], uint32s: [7], uint64s: [.max],
            floats: [1.5, -0.0], doubles: [.pi, -1e300], bools: [true, false, true], strings: ["a", "", "ü"],
            data: Data([0, 1, 2, 255]), nested: [[1, 2], [], [3]]
        )
        let empty = Arrays(ints: [], int8s: [], int16s: [], int32s: [], int64s: [], uints: [], bytes: [], uint16s: [],
                           uint32s: [], uint64s: [], floats: [], doubles: [], bools: [], strings: [], data: Data(), nested: [])
        #expect(try binaryRoundTrip([full, empty]) == [full, empty])
    }

    @Test("a struct holding a [Double] carries the array as one length and one copy of its bytes, alone or in arrays")
    func scalarArrayIsRaw() throws {
        let values = (0..<1000).map { Double($0) * 0.5 }
        let bytes = try BinaryEncoder().encode(Samples(values: values, name: "s"))
        // Header, keyed container header, two keys, the tags, the varint count and the raw doubles,
        // plus the key table: anything per-element (a tag, a key) would add at least 1000 bytes.
        #expect(bytes.count < 8 * 1000 + 60)
        let raw = values.withUnsafeBytes { Array($0) }
        #expect(bytes.firstRange(of: raw) != nil)
        #expect(try binaryRoundTrip(Samples(values: values, name: "s")) == Samples(values: values, name: "s"))
        // In arrays of such structs and of arrays too: the type remembered as not written directly
        // (the struct) is never confused with one that is (the array it holds), one after another.
        let many = (0..<3).map { Samples(values: values, name: "s\($0)") }
        #expect(try BinaryEncoder().encode(many).count < 3 * (8 * 1000 + 30))
        #expect(try binaryRoundTrip(many) == many)
        let arrays = [values, values, values]
        #expect(try BinaryEncoder().encode(arrays).count < 3 * (8 * 1000 + 30))
        #expect(try binaryRoundTrip(arrays) == arrays)
    }

    @Test("values of several MiB (buffers advised for huge pages, grown with room to spare) round-trip, one copy each")
    func bigValues() throws {
        let bulk = BigBulk.sample(size: LargeBuffer.threshold + 12_345, seed: 0)
        #expect(try binaryRoundTrip(bulk) == bulk)
        let bytes = try BinaryEncoder().encode(bulk)
        // One copy of each field's bytes, not more: keys, tags and lengths add a few dozen bytes.
        let payload = bulk.doubles.count * 8 + bulk.bytes.count + bulk.data.count + bulk.ascii.utf8.count + bulk.text.utf8.count
        #expect(bytes.count < payload + 200)
        // A big append grows the buffer with room for what follows it (the key table), not to the byte.
        #expect(bytes.capacity > bytes.count)
        // The next big encoding of the type starts with room for the last one's size: no growth
        // through copies (a grown buffer has room for about four times what it held).
        let again = try BinaryEncoder().encode(bulk)
        #expect(again == bytes)
        #expect(again.capacity < bytes.count + (256 << 10), "capacity \(again.capacity) for \(bytes.count) bytes")
    }

    @Test("big arrays, Data and Strings left where they are (segments) make the same bytes as copies, at any depth")
    func segmentsMatchCopies() throws {
        let bulk = BigBulk.sample(size: ByteSegment.threshold + 777, seed: 1)
        // Big values nested in containers, between small ones, and small values that stay copies.
        let small = BigBulk(doubles: [1, 2], bytes: [3], data: Data([4]), ascii: "five", text: "six")
        let value = ["first": [bulk, small], "second": [small, bulk, bulk]]
        let prefix: [UInt8] = [9, 8, 7]
        let plain = try BinaryEncoder().encode(value, prefix: prefix)
        let (bytes, segments) = try BinaryEncoder().encode(value, prefix: prefix, segments: true)
        #expect(segments.count == 15, "five big fields in each of three big structs")
        #expect(bytes.count < 4096, "only the small values and the structure are copied")
        #expect(segments.map(\.offset) == segments.map(\.offset).sorted())
        let joined = OutgoingFrame(bytes: bytes, segments: segments).contiguous()
        let same = joined == plain  // one Bool: a failing comparison of megabytes would be rendered as a diff
        #expect(same, "\(joined.count) bytes joined, \(plain.count) copied")
        #expect(try BinaryDecoder().decode([String: [BigBulk]].self, from: joined, startingAt: prefix.count) == value)
        // Without segments allowed, and for small values, nothing is left out.
        #expect(try BinaryEncoder().encode(small, prefix: [], segments: true).segments.isEmpty)
    }

    @Test("the ASCII check, eight bytes at a time, finds a byte of 0x80 or more at any position and any length")
    func asciiCheck() {
        for length in 0...20 {
            let ascii = (0..<length).map { UInt8(0x20 + $0 % 0x5F) }
            #expect(ascii.withUnsafeBufferPointer(DecodingInput.isASCII), "\(length) ASCII bytes")
            for position in 0..<length {
                for byte: UInt8 in [0x80, 0xC3, 0xFF] {
                    var bytes = ascii
                    bytes[position] = byte
                    #expect(!bytes.withUnsafeBufferPointer(DecodingInput.isASCII), "\(byte) at \(position) of \(length)")
                }
            }
        }
        // Through the decoder: a non-ASCII string after a long ASCII run keeps its characters.
        let text = String(repeating: "a", count: 23) + "é" + String(repeating: "b", count: 9)
        #expect((try? binaryRoundTrip(text)) == text)
    }

    @Test("an array of structs spells each field name once, not once per element")
    func keysOnce() throws {
        let points = (0..<1000).map { Point(x: Double($0), y: 1, z: 2, label: "p") }
        let bytes = try BinaryEncoder().encode(points)
        let label = Array("label".utf8)
        var occurrences = 0
        var from = bytes.startIndex
        while let range = bytes[from...].firstRange(of: label) { occurrences += 1; from = range.upperBound }
        #expect(occurrences == 1)
        #expect(try binaryRoundTrip(points) == points)
    }

    @Test("enums with associated values, labelled or not, round-trip")
    func enums() throws {
        let shapes: [Shape] = [.circle(radius: 2), .polygon([Point(x: 0, y: 1, z: 2, label: "a")], closed: true), .empty,
                               .labelled("x", nil), .labelled("y", 3)]
        #expect(try binaryRoundTrip(shapes) == shapes)
    }

    @Test("optionals: nil, present and nested keep their meaning, as with JSON")
    func optionals() throws {
        let values = [Optionals(present: 1, absent: nil, nested: .some(.some(2)), list: ["a", nil]),
                      Optionals(present: 0, absent: nil, nested: nil, list: [nil])]
        #expect(try binaryRoundTrip(values) == values)
        // As with JSON, `.some(nil)` comes back as `nil`.
        let json = try JSONDecoder().decode(Int??.self, from: JSONEncoder().encode(Optional<Optional<Int>>.some(nil)))
        #expect(try binaryRoundTrip(Optional<Optional<Int>>.some(nil)) == json)
        #expect(try binaryRoundTrip([Int?]([1, nil, 3])) == [1, nil, 3])
    }

    @Test("dictionaries keyed by String, Int and other types round-trip")
    func dictionaries() throws {
        let value = Dictionaries(byName: ["a": 1, "b": -2, "": 0], byNumber: [1: "one", -5: "minus five"], byPoint: [1.5: 1, -2: 2])
        #expect(try binaryRoundTrip(value) == value)
        #expect(try binaryRoundTrip([String: [Double]]()) == [:])
    }

    @Test("Date, URL and Data round-trip")
    func foundationTypes() throws {
        let value = Foundations(date: Date(timeIntervalSince1970: 1_700_000_000.25), url: URL(string: "https://example.com/a?b=c#d")!,
                                data: Data((0..<100).map { UInt8($0) }))
        #expect(try binaryRoundTrip(value) == value)
    }

    @Test("hand-written coding with nested containers and a super encoder round-trips, read in another order")
    func customCoding() throws {
        let value = Custom(id: 7, tags: ["a", "b"], corner: (1, 2), base: Point(x: 1, y: 2, z: 3, label: "b"))
        #expect(try binaryRoundTrip([value, value]) == [value, value])
    }

    @Test("a subclass and its superclass share one keyed container")
    func classHierarchy() throws {
        let dog = try binaryRoundTrip(Dog(name: "Rex", barks: 3))
        #expect(dog.name == "Rex" && dog.barks == 3)
    }

    @Test("keys decode in any order, and a missing optional key decodes as nil, as with JSON")
    func keyOrderAndMissingKeys() throws {
        let old = [RecordV1(a: 1, b: "x"), RecordV1(a: 2, b: "y")]
        let new = try BinaryDecoder().decode([RecordV2].self, from: BinaryEncoder().encode(old))
        #expect(new == [RecordV2(b: "x", note: nil, a: 1), RecordV2(b: "y", note: nil, a: 2)])
        #expect(throws: DecodingError.self) {
            try BinaryDecoder().decode([RecordV1].self, from: BinaryEncoder().encode([["a": 1]]))
        }
        do {
            _ = try BinaryDecoder().decode(RecordV1.self, from: BinaryEncoder().encode(["a": 1]))
            Issue.record("a missing non-optional key decoded")
        } catch DecodingError.keyNotFound(let key, _) {
            #expect(key.stringValue == "b")
        }
    }

    @Test("writing to a container after its parent wrote again is an EncodingError, not a misencoding")
    func interleavedWritesThrow() throws {
        struct Interleaved: Encodable {
            enum Keys: CodingKey { case a, b, c }
            func encode(to encoder: any Encoder) throws {
                var outer = encoder.container(keyedBy: Keys.self)
                var inner = outer.nestedUnkeyedContainer(forKey: .a)
                try inner.encode(1)
                try outer.encode(2, forKey: .b)
                try inner.encode(3)
            }
        }
        #expect(throws: EncodingError.self) { try BinaryEncoder().encode(Interleaved()) }
    }

    @Test("a type mismatch names the path and the types")
    func typeMismatch() throws {
        do {
            _ = try BinaryDecoder().decode([Point].self, from: BinaryEncoder().encode([["x": "a"]]))
            Issue.record("decoded a string as a Double")
        } catch DecodingError.typeMismatch(let type, let context) {
            #expect("\(type)" == "Double")
            #expect(context.codingPath.map(\.stringValue) == ["Index 0", "x"])
        }
    }

    @Test("coding paths are right at any depth, through arrays, keys, nested containers and superDecoder, both ways")
    func deepCodingPaths() throws {
        // What an encoder and a decoder report as their codingPath, deep inside arrays and keys.
        final class Seen: @unchecked Sendable {  // written and read on this test's thread only
            var paths: [[String]] = []
        }
        struct Leaf: Codable {
            static let seen = Seen()
            var value: Double
            init(value: Double) { self.value = value }
            init(from decoder: any Decoder) throws {
                Self.seen.paths.append(decoder.codingPath.map(\.stringValue))
                value = try decoder.singleValueContainer().decode(Double.self)
            }
            func encode(to encoder: any Encoder) throws {
                Self.seen.paths.append(encoder.codingPath.map(\.stringValue))
                var container = encoder.singleValueContainer()
                try container.encode(value)
            }
        }
        struct Outer: Codable { var name: String; var rows: [[Leaf]] }
        let value = [Outer(name: "a", rows: [[Leaf(value: 1)]]), Outer(name: "b", rows: [[], [Leaf(value: 2), Leaf(value: 3)]])]
        let bytes = try BinaryEncoder().encode(value)
        let expected = [["Index 0", "rows", "Index 0", "Index 0"], ["Index 1", "rows", "Index 1", "Index 0"], ["Index 1", "rows", "Index 1", "Index 1"]]
        #expect(Leaf.seen.paths == expected)
        Leaf.seen.paths = []
        _ = try BinaryDecoder().decode([Outer].self, from: bytes)
        #expect(Leaf.seen.paths == expected)

        // A failure deep inside names its whole path.
        struct Wrong: Codable { var name: String; var rows: [[String]] }
        let wrong = try BinaryEncoder().encode([Wrong(name: "a", rows: []), Wrong(name: "b", rows: [[], ["x", "y"]])])
        do {
            _ = try BinaryDecoder().decode([Outer].self, from: wrong)
            Issue.record("decoded a string as a Double")
        } catch DecodingError.typeMismatch(_, let context) {
            #expect(context.codingPath.map(\.stringValue) == ["Index 1", "rows", "Index 1", "Index 0"])
        }

        // Nested containers and superDecoder extend the path by their key.
        struct Nested: Codable {
            enum Keys: CodingKey { case inner, list, parent }
            enum InnerKeys: CodingKey { case leaf }
            var leaf: Leaf
            init(leaf: Leaf) { self.leaf = leaf }
            init(from decoder: any Decoder) throws {
                let outer = try decoder.container(keyedBy: Keys.self)
                let inner = try outer.nestedContainer(keyedBy: InnerKeys.self, forKey: .inner)
                leaf = try inner.decode(Leaf.self, forKey: .leaf)
                var list = try outer.nestedUnkeyedContainer(forKey: .list)
                _ = try list.decode(Leaf.self)
                _ = try Leaf(from: try outer.superDecoder(forKey: .parent))
            }
            func encode(to encoder: any Encoder) throws {
                var outer = encoder.container(keyedBy: Keys.self)
                var inner = outer.nestedContainer(keyedBy: InnerKeys.self, forKey: .inner)
                try inner.encode(leaf, forKey: .leaf)
                var list = outer.nestedUnkeyedContainer(forKey: .list)
                try list.encode(leaf)
                try leaf.encode(to: outer.superEncoder(forKey: .parent))
            }
        }
        Leaf.seen.paths = []
        let nested = try BinaryEncoder().encode([Nested(leaf: Leaf(value: 4))])
        let nestedPaths = [["Index 0", "inner", "leaf"], ["Index 0", "list", "Index 0"], ["Index 0", "parent"]]
        #expect(Leaf.seen.paths == nestedPaths)
        Leaf.seen.paths = []
        _ = try BinaryDecoder().decode([Nested].self, from: nested)
        #expect(Leaf.seen.paths == nestedPaths)
    }
}
