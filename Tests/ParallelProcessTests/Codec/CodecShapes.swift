import Foundation
@testable import Parallel

/// The value types the codec tests round-trip, one per shape the format must carry.
struct Point: Codable, Equatable, Sendable {
    var x, y, z: Double
    var label: String
}

struct Samples: Codable, Equatable, Sendable {
    var values: [Double]
    var name: String
}

/// Several MiB in each field: the big-buffer paths of the codec.
struct BigBulk: Codable, Equatable, Sendable {
    var doubles: [Double]
    var bytes: [UInt8]
    var data: Data
    var ascii: String
    var text: String

    /// Fields of about `size` bytes each (`seed` varies their bytes), ASCII and not.
    static func sample(size: Int, seed: Int) -> BigBulk {
        BigBulk(
            doubles: (0..<(size / 8)).map { Double($0) * 0.25 + Double(seed) },
            bytes: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed) },
            data: Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ seed) }),
            ascii: String(repeating: "payload!", count: size / 8),
            text: String(repeating: "é🙂", count: size / 6)
        )
    }
}

struct Scalars: Codable, Equatable, Sendable {
    var int: Int, int8: Int8, int16: Int16, int32: Int32, int64: Int64
    var uint: UInt, uint8: UInt8, uint16: UInt16, uint32: UInt32, uint64: UInt64
    var float: Float, double: Double, bool: Bool, string: String
}

struct Arrays: Codable, Equatable, Sendable {
    var ints: [Int], int8s: [Int8], int16s: [Int16], int32s: [Int32], int64s: [Int64]
    var uints: [UInt], bytes: [UInt8], uint16s: [UInt16], uint32s: [UInt32], uint64s: [UInt64]
    var floats: [Float], doubles: [Double], bools: [Bool], strings: [String], data: Data
    var nested: [[Double]]
}

enum Shape: Codable, Equatable, Sendable {
    case circle(radius: Double)
    case polygon([Point], closed: Bool)
    case empty
    case labelled(String, Int?)
}

struct Optionals: Codable, Equatable, Sendable {
    var present: Int?
    var absent: Int?
    var nested: Int??
    var list: [String?]
}

struct Dictionaries: Codable, Equatable, Sendable {
    var byName: [String: Double]
    var byNumber: [Int: String]
    var byPoint: [Double: Int]  // encoded as an array of alternating keys and values
}

struct Foundations: Codable, Equatable, Sendable {
    var date: Date
    var url: URL
    var data: Data
}

/// A type with hand-written coding: nested containers, a renamed key, a super encoder, and a field
/// that is written and read in different orders.
struct Custom: Codable, Equatable, Sendable {
    var id: Int
    var tags: [String]
    var corner: (Double, Double)
    var base: Point

    enum Keys: String, CodingKey { case identifier, extra, base }
    enum ExtraKeys: String, CodingKey { case tags, corner }

    init(id: Int, tags: [String], corner: (Double, Double), base: Point) {
        self.id = id
        self.tags = tags
        self.corner = corner
        self.base = base
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(id, forKey: .identifier)
        var extra = container.nestedContainer(keyedBy: ExtraKeys.self, forKey: .extra)
        try extra.encode(tags, forKey: .tags)
        var corner = extra.nestedUnkeyedContainer(forKey: .corner)
        try corner.encode(self.corner.0)
        try corner.encode(self.corner.1)
        try base.encode(to: container.superEncoder())
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        base = try Point(from: container.superDecoder())  // read first, written last
        let extra = try container.nestedContainer(keyedBy: ExtraKeys.self, forKey: .extra)
        var corner = try extra.nestedUnkeyedContainer(forKey: .corner)
        self.corner = (try corner.decode(Double.self), try corner.decode(Double.self))
        tags = try extra.decode([String].self, forKey: .tags)
        id = try container.decode(Int.self, forKey: .identifier)
    }

    static func == (a: Custom, b: Custom) -> Bool {
        a.id == b.id && a.tags == b.tags && a.corner == b.corner && a.base == b.base
    }
}

/// A class hierarchy where subclass and superclass share the encoder's one keyed container.
class Animal: Codable {
    let name: String
    init(name: String) { self.name = name }
}

final class Dog: Animal {
    let barks: Int
    init(name: String, barks: Int) { self.barks = barks; super.init(name: name) }
    enum Keys: CodingKey { case barks }
    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(barks, forKey: .barks)
        try super.encode(to: encoder)
    }
    required init(from decoder: any Decoder) throws {
        barks = try decoder.container(keyedBy: Keys.self).decode(Int.self, forKey: .barks)
        try super.init(from: decoder)
    }
}

/// Version 1 and 2 of one type: 2 added an optional field and reordered the others.
struct RecordV1: Codable, Equatable { var a: Int; var b: String }
struct RecordV2: Codable, Equatable {
    var b: String
    var note: String?
    var a: Int
}

/// Encodes with the binary codec and decodes the result.
func binaryRoundTrip<Value: Codable>(_ value: Value) throws -> Value {
    try BinaryDecoder().decode(Value.self, from: try BinaryEncoder().encode(value))
}
