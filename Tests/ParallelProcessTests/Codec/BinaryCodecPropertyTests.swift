import Foundation
import PropertyBased
import Testing
@testable import Parallel

@Suite("Property: generated values round-trip through the binary codec", .timeLimit(.minutes(2)))
struct BinaryCodecPropertyTests {
    static let text = Gen<Character>.letterOrNumber.string(of: 0...12)
    static let point = zip(Gen.double(in: -1e9...1e9), Gen.double(in: -1...1), Gen.double(in: 0...1e-9), text)
        .map { Point(x: $0, y: $1, z: $2, label: $3) }

    @Test("arrays of structs with scalars and strings")
    func points() async {
        await propertyCheck(count: 200, input: Self.point.array(of: 0...40)) { points in
            do {
                #expect(try binaryRoundTrip(points) == points)
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test("integers of every width, alone and in arrays")
    func integers() async {
        await propertyCheck(count: 200, input: Gen.int(), Gen.int8(), Gen.uint64(), Gen.int32().array(of: 0...20)) { int, int8, uint64, int32s in
            do {
                #expect(try binaryRoundTrip(int) == int)
                #expect(try binaryRoundTrip(int8) == int8)
                #expect(try binaryRoundTrip(uint64) == uint64)
                #expect(try binaryRoundTrip(int32s) == int32s)
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test("dictionaries, optionals and nested arrays")
    func collections() async {
        let dictionary = zip(Gen.int(in: -1000...1000), Gen.double(in: -10...10)).dictionary(ofAtMost: 0...8)
        let optionals = Gen.int(in: -5...5).map { $0 < 0 ? nil : $0 }.array(of: 0...10)
        let nested = Gen.double(in: 0...1).array(of: 0...5).array(of: 0...5)
        await propertyCheck(count: 200, input: dictionary, optionals, nested, Self.text) { dictionary, optionals, nested, key in
            do {
                #expect(try binaryRoundTrip(dictionary) == dictionary)
                #expect(try binaryRoundTrip(optionals) == optionals)
                #expect(try binaryRoundTrip(nested) == nested)
                #expect(try binaryRoundTrip([key: nested]) == [key: nested])
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test("decoding any prefix or byte-flipped copy of a valid encoding throws or decodes; it never crashes")
    func mutated() async {
        await propertyCheck(count: 200, input: Self.point.array(of: 1...5), Gen.int(in: 0...10_000), Gen.uint8()) { points, position, byte in
            do {
                var bytes = try BinaryEncoder().encode(points)
                bytes[position % bytes.count] ^= byte | 1
                _ = try? BinaryDecoder().decode([Point].self, from: bytes)
                _ = try? BinaryDecoder().decode([Point].self, from: Array(bytes.prefix(position % bytes.count)))
            } catch {
                Issue.record("\(error)")
            }
        }
    }
}
