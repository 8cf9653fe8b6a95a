import Foundation
@testable import Parallel
import Testing

@Suite("WireCodec", .timeLimit(.minutes(1)))
struct WireCodecTests {
    struct Point: Codable, Equatable { var x: Int; var label: String?; var tags: [String] }

    func roundTrip<Value: Codable & Equatable>(_ value: Value) throws -> Value {
        try WireCodec.decode(Value.self, from: try WireCodec.encode(value))
    }

    @Test("scalars, arrays of scalars and any other Codable value survive a round trip")
    func roundTrips() throws {
        #expect(try roundTrip([Int.min, -1, 0, 1, Int.max]) == [Int.min, -1, 0, 1, Int.max])
        #expect(try roundTrip([1.5, -0.0, .infinity]) == [1.5, -0.0, .infinity])
        #expect(try roundTrip(["", "é", "a b"]) == ["", "é", "a b"])
        #expect(try roundTrip([true, false]) == [true, false])
        #expect(try roundTrip(42) == 42)
        #expect(try roundTrip(2.5) == 2.5)
        #expect(try roundTrip("text") == "text")
        #expect(try roundTrip(true) == true)
        #expect(try roundTrip([Int]()) == [])
        let points = [Point(x: 1, label: nil, tags: []), Point(x: 2, label: "b", tags: ["t"])]
        #expect(try roundTrip(points) == points)
    }

    @Test("bytes of another type, unknown tags and truncated bodies are errors, not crashes")
    func badBytes() throws {
        #expect(throws: WireCodecError.self) { try WireCodec.decode([Int].self, from: try WireCodec.encode(["x"])) }
        #expect(throws: WireCodecError.self) { try WireCodec.decode(Int.self, from: [99, 1, 2]) }
        #expect(throws: WireCodecError.self) { try WireCodec.decode(Int.self, from: []) }
        #expect(throws: WireCodecError.self) { try WireCodec.decode([Int].self, from: [1, 1, 2, 3]) }
        #expect(throws: (any Error).self) { try WireCodec.decode(Int.self, from: [5, 1, 2, 3]) }
        #expect(throws: (any Error).self) { try WireCodec.decode(Point.self, from: [0, 123]) }
    }

    @Test("values off the raw paths travel in the binary format, and JSON-tagged bytes still decode")
    func binaryByDefault() throws {
        let points = [Point(x: 1, label: "a", tags: ["t"])]
        let bytes = try WireCodec.encode(points)
        #expect(bytes.first == 9)  // the binary tag
        #expect(bytes.dropFirst().first == BinaryFormat.version)
        #expect(try WireCodec.decode([Point].self, from: [0] + Array(try JSONEncoder().encode(points))) == points)
        #expect(try roundTrip([[1.5, 2.5], []]) == [[1.5, 2.5], []])
    }

    @Test("PARALLEL_PAYLOAD_FORMAT picks json or binary; unset means binary and any other value is reported")
    func payloadFormatVariable() {
        #expect(WireCodec.PayloadFormat(environmentValue: nil) == .binary)
        #expect(WireCodec.PayloadFormat(environmentValue: "binary") == .binary)
        #expect(WireCodec.PayloadFormat(environmentValue: "json") == .json)
        #expect(WireCodec.PayloadFormat(environmentValue: "JSON ") == .invalid("JSON "))
    }
}
