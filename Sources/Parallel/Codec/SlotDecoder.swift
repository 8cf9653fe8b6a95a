/// The `Decoder` a value's `init(from:)` receives: it reads the one value at `offset`, through the
/// containers below, and finds the keys of its keyed container.
///
/// A class, so that one object serves a struct's whole decoding: an `any Decoder` holds it without
/// a box, and its keyed container (``KeyedReader``, one reference) keeps its cursor here. Asked twice
/// for a keyed container, it gives two that share the cursor, which is only a hint of where to look.
final class SlotDecoder: Decoder {
    let input: DecodingInput
    let offset: Int
    let path: CodingPathNode
    let depth: Int
    /// The keyed container's entries, once opened.
    private var start = 0
    private var end = -1
    /// The entry found last (its key index and value offset), and the entry after it. Unchecked for
    /// exclusivity as ``EncodingState``'s properties are, for the same reason: one decoding thread,
    /// no access spanning a call to user code.
    @exclusivity(unchecked) private var lastKey = -1
    @exclusivity(unchecked) private var lastValue = 0
    @exclusivity(unchecked) private var next = 0

    init(input: DecodingInput, offset: Int, path: CodingPathNode, depth: Int) {
        self.input = input
        self.offset = offset
        self.path = path
        self.depth = depth
    }

    var codingPath: [any CodingKey] { path.path }
    var userInfo: [CodingUserInfoKey: Any] { input.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        try openKeyed()
        return KeyedDecodingContainer(KeyedReader<Key>(slot: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try UnkeyedReader(input: input, offset: offset, path: path, depth: depth)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleReader(input: input, offset: offset, path: path, depth: depth)
    }

    /// Checks that the value is a keyed container whose every entry names a key in the table and
    /// ends inside it: now, because `allKeys` cannot throw, and a dictionary decoded from a
    /// malformed container must fail, not come back empty.
    private func openKeyed() throws {
        guard end < 0 else { return }
        (start, end, _) = try input.container(at: offset, keyed: true, [String: Any].self, path)
        next = start
        do {
            try forEachEntry { _ in }
        } catch {
            end = -1
            throw error
        }
    }

    /// The value offset of the entry for `key`, or `nil`: at the cursor first (a type decoding its
    /// keys in the order they were encoded pays one comparison per key), then the entry found last
    /// (asked again, as `decodeIfPresent` does), by a scan otherwise.
    func find(_ key: String) throws -> Int? {
        if next < end, let found = try entry(at: next, matching: key) { return found }
        if lastKey >= 0 && input.keys[lastKey] == key { return lastValue }
        var position = start
        while position < end {
            if let found = try entry(at: position, matching: key) { return found }
            _ = try keyIndex(&position)
            position = try input.skip(at: position, limit: end, path: path)
        }
        return nil
    }

    /// Reads the entry at `position` and, if it is `key`'s, makes it the last found.
    private func entry(at position: Int, matching key: String) throws -> Int? {
        var position = position
        let keyIndex = try self.keyIndex(&position)
        guard input.keys[keyIndex] == key else { return nil }
        lastKey = keyIndex
        lastValue = position
        next = try input.skip(at: position, limit: end, path: path)
        return position
    }

    private func keyIndex(_ position: inout Int) throws -> Int {
        let raw = try input.varint(&position, limit: end, path)
        guard raw < UInt64(input.keys.count) else { throw input.corrupted("key number \(raw) of \(input.keys.count)", path) }
        return Int(raw)
    }

    /// The key table index of every entry, in the order of encoding; checks each entry's bounds.
    func allKeyIndices() throws -> [Int] {
        var keys: [Int] = []
        try forEachEntry { keys.append($0) }
        return keys
    }

    /// Calls `visit` with the key table index of every entry, in order, checking each entry's bounds.
    private func forEachEntry(_ visit: (Int) -> Void) throws {
        var position = start
        while position < end {
            visit(try keyIndex(&position))
            position = try input.skip(at: position, limit: end, path: path)
        }
    }

    /// The depth of a container nested in this value.
    func deeper() throws -> Int {
        guard depth < BinaryDecoder.maxDepth else { throw input.corrupted("nested deeper than \(BinaryDecoder.maxDepth) levels", path) }
        return depth + 1
    }
}

/// Reads one keyed container, through the ``SlotDecoder`` of its value.
struct KeyedReader<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let slot: SlotDecoder

    private var input: DecodingInput { slot.input }
    private var path: CodingPathNode { slot.path }
    var codingPath: [any CodingKey] { slot.path.path }

    var allKeys: [Key] { ((try? slot.allKeyIndices()) ?? []).compactMap { Key(stringValue: input.keys[$0]) } }

    func contains(_ key: Key) -> Bool { (try? slot.find(key.stringValue)) != nil }

    private func value(_ key: Key) throws -> Int {
        guard let offset = try slot.find(key.stringValue) else {
            throw DecodingError.keyNotFound(key, DecodingError.Context(codingPath: path.path, debugDescription: "no value for key \(key.stringValue)"))
        }
        return offset
    }

    func decodeNil(forKey key: Key) throws -> Bool { input.isNil(at: try value(key)) }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try input.bool(at: try value(key), path.appending(key)) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try input.string(at: try value(key), path.appending(key)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try input.double(at: try value(key), path.appending(key)) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try input.float(at: try value(key), path.appending(key)) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try input.integer(type, at: try value(key), path.appending(key)) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try input.integer(type, at: try value(key), path.appending(key)) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try input.integer(type, at: try value(key), path.appending(key)) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try input.integer(type, at: try value(key), path.appending(key)) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try input.integer(type, at: try value(key), path.appending(key)) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try input.integer(type, at: try value(key), path.appending(key)) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try input.integer(type, at: try value(key), path.appending(key)) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try input.integer(type, at: try value(key), path.appending(key)) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try input.integer(type, at: try value(key), path.appending(key)) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try input.integer(type, at: try value(key), path.appending(key)) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try input.decodeValue(type, at: try value(key), path: path.appending(key), depth: slot.depth)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try nested(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try nested(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { try nested(SuperKey()) }
    func superDecoder(forKey key: Key) throws -> any Decoder { try nested(key) }

    /// The decoder of the value of `key`, one level deeper.
    private func nested(_ key: some CodingKey) throws -> SlotDecoder {
        guard let offset = try slot.find(key.stringValue) else {
            throw DecodingError.keyNotFound(key, DecodingError.Context(codingPath: path.path, debugDescription: "no value for key \(key.stringValue)"))
        }
        return SlotDecoder(input: input, offset: offset, path: path.appending(key), depth: try slot.deeper())
    }
}

/// Reads one unkeyed container, element by element.
struct UnkeyedReader: UnkeyedDecodingContainer {
    let input: DecodingInput
    let path: CodingPathNode
    let depth: Int
    private let end: Int
    private var position: Int
    let count: Int?
    private(set) var currentIndex = 0

    var codingPath: [any CodingKey] { path.path }
    var isAtEnd: Bool { currentIndex >= (count ?? 0) }

    init(input: DecodingInput, offset: Int, path: CodingPathNode, depth: Int) throws {
        let (start, end, count) = try input.container(at: offset, keyed: false, [Any].self, path)
        self.input = input
        self.path = path
        self.depth = depth
        self.end = end
        self.count = count
        position = start
    }

    /// The next element's offset and path, and moves past it. The path costs nothing until read.
    private mutating func next(_ type: Any.Type) throws -> (Int, CodingPathNode) {
        let elementPath = path.appending(index: currentIndex)
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, DecodingError.Context(codingPath: elementPath.path, debugDescription: "the unkeyed container is at its end"))
        }
        let offset = position
        position = try input.skip(at: offset, limit: end, path: elementPath)
        currentIndex += 1
        return (offset, elementPath)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, input.isNil(at: position) else { return false }
        _ = try next(Never.self)
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { let (at, path) = try next(type); return try input.bool(at: at, path) }
    mutating func decode(_ type: String.Type) throws -> String { let (at, path) = try next(type); return try input.string(at: at, path) }
    mutating func decode(_ type: Double.Type) throws -> Double { let (at, path) = try next(type); return try input.double(at: at, path) }
    mutating func decode(_ type: Float.Type) throws -> Float { let (at, path) = try next(type); return try input.float(at: at, path) }
    mutating func decode(_ type: Int.Type) throws -> Int { let (at, path) = try next(type); return try input.integer(type, at: at, path) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { let (at, path) = try next(type); return try input.integer(type, at: at, path) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { let (at, path) = try next(type); return try input.integer(type, at: at, path) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { let (at, path) = try next(type); return try input.integer(type, at: at, path) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { let (at, path) = try next(type); return try input.integer(type, at: at, path) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { let (at, path) = try next(type); return try input.integer(type, at: at, path) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { let (at, path) = try next(type); return try input.integer(type, at: at, path) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { let (at, path) = try next(type); return try input.integer(type, at: at, path) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { let (at, path) = try next(type); return try input.integer(type, at: at, path) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { let (at, path) = try next(type); return try input.integer(type, at: at, path) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (at, path) = try next(type)
        return try input.decodeValue(type, at: at, path: path, depth: depth)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (at, path) = try next(type)
        return try SlotDecoder(input: input, offset: at, path: path, depth: try deeper()).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (at, path) = try next([Any].self)
        return try UnkeyedReader(input: input, offset: at, path: path, depth: try deeper())
    }

    mutating func superDecoder() throws -> any Decoder {
        let (at, path) = try next(Any.self)
        return SlotDecoder(input: input, offset: at, path: path, depth: try deeper())
    }

    private func deeper() throws -> Int {
        guard depth < BinaryDecoder.maxDepth else { throw input.corrupted("nested deeper than \(BinaryDecoder.maxDepth) levels", path) }
        return depth + 1
    }
}

/// Reads the one value of a slot.
struct SingleReader: SingleValueDecodingContainer {
    let input: DecodingInput
    let offset: Int
    let path: CodingPathNode
    let depth: Int
    var codingPath: [any CodingKey] { path.path }

    func decodeNil() -> Bool { input.isNil(at: offset) }
    func decode(_ type: Bool.Type) throws -> Bool { try input.bool(at: offset, path) }
    func decode(_ type: String.Type) throws -> String { try input.string(at: offset, path) }
    func decode(_ type: Double.Type) throws -> Double { try input.double(at: offset, path) }
    func decode(_ type: Float.Type) throws -> Float { try input.float(at: offset, path) }
    func decode(_ type: Int.Type) throws -> Int { try input.integer(type, at: offset, path) }
    func decode(_ type: Int8.Type) throws -> Int8 { try input.integer(type, at: offset, path) }
    func decode(_ type: Int16.Type) throws -> Int16 { try input.integer(type, at: offset, path) }
    func decode(_ type: Int32.Type) throws -> Int32 { try input.integer(type, at: offset, path) }
    func decode(_ type: Int64.Type) throws -> Int64 { try input.integer(type, at: offset, path) }
    func decode(_ type: UInt.Type) throws -> UInt { try input.integer(type, at: offset, path) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try input.integer(type, at: offset, path) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try input.integer(type, at: offset, path) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try input.integer(type, at: offset, path) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try input.integer(type, at: offset, path) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try input.decodeValue(type, at: offset, path: path, depth: depth) }
}
