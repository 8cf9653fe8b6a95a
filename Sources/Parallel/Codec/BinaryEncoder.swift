#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Encodes any `Encodable` value in the package's ``BinaryFormat``.
///
/// ```swift
/// let bytes = try BinaryEncoder().encode(["a": [1.5, 2.5]])
/// let back = try BinaryDecoder().decode([String: [Double]].self, from: bytes)
/// ```
struct BinaryEncoder {
    /// What every `encode(to:)` finds in its encoder's `userInfo` (a ``SharedArray`` looks for the
    /// message's descriptor table there).
    var userInfo: [CodingUserInfoKey: Any] = [:]

    /// Encodes `value`, after `prefix` (bytes the caller puts first, such as a tag, without a
    /// second copy of the encoding).
    func encode<Value: Encodable>(_ value: Value, prefix: [UInt8] = []) throws -> [UInt8] {
        try encode(value, prefix: prefix, segments: false).bytes
    }

    /// Encodes `value` after `prefix` as ``encode(_:prefix:)`` does, except that with `segments`
    /// each big array, `Data` and `String` (``ByteSegment/threshold``) is left where it is: the
    /// encoding is `bytes` with each segment's bytes before `bytes[offset]`.
    func encode<Value: Encodable>(
        _ value: Value, prefix: [UInt8], segments: Bool
    ) throws -> (bytes: [UInt8], segments: [(offset: Int, segment: ByteSegment)]) {
        let type = ObjectIdentifier(Value.self)
        let hint = Self.bigSizes.withLock { $0[type] }
        let state = EncodingState(
            prefix: prefix, userInfo: userInfo, capacity: hint.map { prefix.count + $0 + (64 << 10) }, segments: segments
        )
        try state.encodeValue(value, path: CodingPathNode.root)
        let bytes = try state.finish(value)
        let size = bytes.count - prefix.count
        if size >= LargeBuffer.threshold || hint != nil {
            Self.bigSizes.withLock { $0[type] = size >= LargeBuffer.threshold ? size : nil }
        }
        return (bytes, state.segments ?? [])
    }

    /// The size of the last encoding of each type whose encoding was big (``LargeBuffer/threshold``
    /// and more): the next one starts with that much room, instead of growing to it through copies
    /// (tasks send values of the same type and about the same size again and again).
    private static let bigSizes = LockedValue<[ObjectIdentifier: Int]>([:])
}

/// A coding path built only when something asks for it (errors, `codingPath`): building arrays of
/// keys for every value would cost an allocation per value. The keys are a linked list, innermost
/// first, and an array element's index waits in `index` until a deeper key needs it as a link, so
/// the path of an element of an array costs nothing until it is read.
struct CodingPathNode {
    private let link: PathLink?
    /// The index of the element this path ends at, not yet a link; `-1` if none.
    private let index: Int

    static var root: CodingPathNode { CodingPathNode(link: nil, index: -1) }

    var path: [any CodingKey] {
        var keys: [any CodingKey] = index >= 0 ? [IndexKey(index)] : []
        var next = link
        while let current = next {
            keys.append(current.key)
            next = current.parent
        }
        return keys.reversed()
    }

    func appending(_ key: any CodingKey) -> CodingPathNode {
        CodingPathNode(link: PathLink(parent: linked, key: key), index: -1)
    }

    /// The path of element `index` of the container at this path.
    func appending(index: Int) -> CodingPathNode { CodingPathNode(link: linked, index: index) }

    private var linked: PathLink? { index >= 0 ? PathLink(parent: link, key: IndexKey(index)) : link }
}

/// One key of a ``CodingPathNode``.
final class PathLink {
    let parent: PathLink?
    let key: any CodingKey

    init(parent: PathLink?, key: any CodingKey) {
        self.parent = parent
        self.key = key
    }
}

/// The position of an element in an unkeyed container, for coding paths.
struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { intValue.map { "Index \($0)" } ?? "" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { self.intValue = intValue }
}

/// The key `superEncoder()` and `superDecoder()` use.
struct SuperKey: CodingKey {
    var stringValue: String { "super" }
    var intValue: Int? { nil }
    init() {}
    init?(stringValue: String) { guard stringValue == "super" else { return nil } }
    init?(intValue: Int) { return nil }
}

/// One encoding in progress: the buffer, the key table, and the containers and value slots that are
/// open, innermost last.
///
/// A container writes only while it is open; writing closes everything opened after it (their
/// headers are patched then). A value slot is where one nested value goes (an `Encoder` handed to a
/// value's `encode(to:)`, or a `superEncoder()`); one that closes empty gets an empty keyed
/// container, as JSON writes `{}`.
///
/// The mutable properties opt out of dynamic exclusivity checks, which took a third of the encoding
/// time (two runtime calls per byte appended): a state belongs to one `encode` call on one thread,
/// and no access to them spans a call out to user code (`encode(to:)` runs between accesses), so
/// accesses cannot overlap.
final class EncodingState {
    @exclusivity(unchecked) private(set) var bytes: [UInt8]
    private let base: Int
    @exclusivity(unchecked) private var keyIndex: [String: Int] = [:]
    @exclusivity(unchecked) private var keys: [String] = []
    /// `successor[k + 1]`: the key that followed key `k` last time (`successor[0]`: after a start).
    /// Types encode their keys in the same order every time, so this guess spares most hash lookups.
    @exclusivity(unchecked) private var successor: [Int] = [-1]
    @exclusivity(unchecked) private var lastKey = -1
    @exclusivity(unchecked) private var directTypes = DirectType.Lookup()
    /// The big byte runs left where they are, each before `bytes[offset]`; `nil` when every byte
    /// is copied into `bytes`.
    @exclusivity(unchecked) private(set) var segments: [(offset: Int, segment: ByteSegment)]?
    /// How many bytes the segments hold.
    @exclusivity(unchecked) private var segmentBytes = 0
    @exclusivity(unchecked) private var open: [Item] = []
    @exclusivity(unchecked) private var nextID = 0
    /// The first misuse seen by a method that cannot throw; `finish` throws it.
    @exclusivity(unchecked) private var misuse: String?

    private struct Item {
        enum Kind: Equatable { case keyed, unkeyed, slot }
        let id: Int
        let kind: Kind
        /// For a container, where its header starts in `bytes`, and in the encoding (segments
        /// before it counted).
        let header: Int
        var position = 0
        var count: UInt32 = 0
        /// For a slot: the container opened on it (its id), or `-1` for a single value, `nil` if none.
        var content: Int?
        /// For a slot: its coding path (kept here so that a ``SlotEncoder`` is two words, which an
        /// `any Encoder` holds without allocating).
        var path = CodingPathNode.root
    }

    let userInfo: [CodingUserInfoKey: Any]

    /// An encoding after `prefix`, with room for `capacity` bytes in all if given (a big one is
    /// advised for huge pages: ``LargeBuffer``).
    init(prefix: [UInt8], userInfo: [CodingUserInfoKey: Any] = [:], capacity: Int? = nil, segments: Bool = false) {
        self.userInfo = userInfo
        self.segments = segments ? [] : nil
        bytes = prefix
        if let capacity { bytes.reserveLarge(capacity) }
        base = prefix.count
        bytes.append(BinaryFormat.version)
        bytes.append(contentsOf: repeatElement(0, count: 8))
    }

    // MARK: Structure

    /// Where open item `id` is in `open`, if it is open: the innermost first, the usual case, read
    /// in place (no search, nor a copy of the item). Inlined: it runs for every entry and element,
    /// and a call cost 3 % of encoding an array of structs.
    @inline(__always) private func index(of id: Int) -> Int? {
        let top = open.count - 1
        if top >= 0 && open[top].id == id { return top }
        return open.lastIndex(where: { $0.id == id })
    }

    /// Makes `id` the innermost open item, closing those opened after it.
    private func focus(_ id: Int) throws -> Int {
        guard let index = index(of: id) else {
            throw EncodingError.invalidValue(id, EncodingError.Context(
                codingPath: [],
                debugDescription: "a container was written after its parent wrote again; encode each nested container completely before writing to its parent"
            ))
        }
        while open.count > index + 1 { try close() }
        return index
    }

    /// Starts an entry of keyed container `id`. The key's name, not the key: a key passed as
    /// `any CodingKey` was boxed for every entry.
    func beginEntry(_ id: Int, key: String) throws {
        let index = try focus(id)
        open[index].count += 1
        appendVarint(UInt64(keyNumber(key)))
    }

    /// Starts an element of unkeyed container `id`.
    func beginElement(_ id: Int) throws {
        let index = try focus(id)
        open[index].count += 1
    }

    /// Starts the single value of slot `id`.
    func beginSingle(_ id: Int) throws {
        let index = try focus(id)
        guard open[index].content == nil else {
            throw EncodingError.invalidValue(id, EncodingError.Context(
                codingPath: [], debugDescription: "a value was encoded twice into one single-value container"
            ))
        }
        open[index].content = -1
    }

    func elementCount(_ id: Int) -> Int {
        index(of: id).map { Int(open[$0].count) } ?? 0
    }

    /// Opens a container at the current position (after `begin…` of its parent) and returns its id.
    func openContainer(keyed: Bool) -> Int {
        nextID += 1
        open.append(Item(id: nextID, kind: keyed ? .keyed : .unkeyed, header: bytes.count, position: bytes.count + segmentBytes))
        appendTagged(keyed ? .keyed : .unkeyed, 0)
        return nextID
    }

    /// The container of slot `slot`: the one opened on it before if of the same kind (a subclass
    /// and its superclass share one keyed container, as with JSON), else a new one.
    func container(ofSlot slot: Int, keyed: Bool) -> Int {
        let kind: Item.Kind = keyed ? .keyed : .unkeyed
        do {
            if let content = index(of: slot).flatMap({ open[$0].content }) {
                guard content >= 0, open.contains(where: { $0.id == content && $0.kind == kind }) else {
                    record("a value asked its encoder for a second container of another kind, or after its first one closed")
                    return -1
                }
                _ = try focus(content)
                return content
            }
            let index = try focus(slot)
            let id = openContainer(keyed: keyed)
            open[index].content = id
            return id
        } catch {
            record("\(error)")
            return -1
        }
    }

    /// Opens a slot for one nested value at the current position.
    func openSlot(path: CodingPathNode) -> Int {
        nextID += 1
        open.append(Item(id: nextID, kind: .slot, header: bytes.count, path: path))
        return nextID
    }

    /// The coding path of open slot `id` (the root once it has closed).
    func path(ofSlot id: Int) -> CodingPathNode {
        index(of: id).map { open[$0].path } ?? .root
    }

    /// Closes item `id` and everything opened after it.
    func close(_ id: Int) throws {
        _ = try focus(id)
        try close()
    }

    /// Records a misuse seen where no error can be thrown.
    func record(_ message: String) {
        if misuse == nil { misuse = message }
    }

    private func close() throws {
        guard let item = open.popLast() else { return }
        switch item.kind {
        case .slot:
            if item.content == nil { appendTagged(.keyed, 0) }
        case .keyed, .unkeyed:
            let length = bytes.count + segmentBytes - item.position - BinaryFormat.containerHeaderSize
            guard let length32 = UInt32(exactly: length) else {
                throw EncodingError.invalidValue(length, EncodingError.Context(
                    codingPath: [], debugDescription: "a container of \(length) bytes, over the format's 4 GiB limit per container"
                ))
            }
            patch(length32, at: item.header + 1)
            patch(item.count, at: item.header + 5)
        }
    }

    private func patch(_ value: UInt32, at offset: Int) {
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index))) }
    }

    /// Closes everything, appends the key table and returns the bytes.
    func finish<Value>(_ value: Value) throws -> [UInt8] {
        while !open.isEmpty { try close() }
        if let misuse {
            throw EncodingError.invalidValue(value, EncodingError.Context(codingPath: [], debugDescription: misuse))
        }
        let table = UInt64(bytes.count + segmentBytes - base)
        for index in 0..<8 { bytes[base + 1 + index] = UInt8(truncatingIfNeeded: table >> (8 * UInt64(index))) }
        appendVarint(UInt64(keys.count))
        for key in keys { appendString(key, tagged: false) }
        return bytes
    }

    private func keyNumber(_ key: String) -> Int {
        let guess = successor[lastKey + 1]
        let number: Int
        if guess >= 0 && keys[guess] == key {
            number = guess
        } else if let known = keyIndex[key] {
            number = known
        } else {
            number = keys.count
            keys.append(key)
            keyIndex[key] = number
            successor.append(-1)
        }
        successor[lastKey + 1] = number
        lastKey = number
        return number
    }

    // MARK: Values

    func appendTag(_ tag: BinaryFormat.Tag) { bytes.append(tag.rawValue) }

    func appendVarint(_ value: UInt64) {
        if value < 0x80 { return bytes.append(UInt8(truncatingIfNeeded: value)) }  // key numbers, short lengths
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    func appendBool(_ value: Bool) { appendTag(value ? .trueValue : .falseValue) }

    func appendSigned(_ value: Int64) {
        appendTag(.int)
        appendVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    func appendUnsigned(_ value: UInt64) {
        appendTag(.uint)
        appendVarint(value)
    }

    func appendFloat(_ value: Float) {
        appendTag(.float)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.appendBytes($0) }
    }

    func appendDouble(_ value: Double) { appendTagged(.double, value.bitPattern) }

    /// Appends `tag` and the 8 bytes of `bits`, little-endian, in one append (two cost twice the
    /// array's uniqueness and capacity checks, for every number and container).
    private func appendTagged(_ tag: BinaryFormat.Tag, _ bits: UInt64) {
        withUnsafeTemporaryAllocation(byteCount: 9, alignment: 1) { raw in
            raw.storeBytes(of: tag.rawValue, as: UInt8.self)
            raw.storeBytes(of: bits.littleEndian, toByteOffset: 1, as: UInt64.self)
            bytes.appendBytes(UnsafeRawBufferPointer(raw))
        }
    }

    func appendString(_ value: String, tagged: Bool = true) {
        if tagged { appendTag(.string) }
        var contiguous = value
        contiguous.makeContiguousUTF8()
        let source = contiguous  // shares the contiguous storage: a segment reads it where it is
        contiguous.withUTF8 { utf8 in
            appendVarint(UInt64(utf8.count))
            append(UnsafeRawBufferPointer(utf8), or: .string(source, count: utf8.count))
        }
    }

    /// Appends a scalar array whose elements are `raw`; `segment` is the same bytes, left where
    /// they are if big and this encoding allows segments.
    func appendScalars(_ raw: UnsafeRawBufferPointer, count: Int, kind: BinaryFormat.ScalarKind, segment: @autoclosure () -> ByteSegment) {
        appendTag(.scalars)
        bytes.append(kind.rawValue)
        appendVarint(UInt64(count))
        append(raw, or: segment())
    }

    /// Appends `raw`: a copy, or `segment` (the same bytes, where they are) if it is big and this
    /// encoding allows segments.
    private func append(_ raw: UnsafeRawBufferPointer, or segment: @autoclosure () -> ByteSegment) {
        guard raw.count >= ByteSegment.threshold, segments != nil else { return bytes.appendBytes(raw) }
        segments?.append((bytes.count, segment()))
        segmentBytes += raw.count
    }

    /// Writes `value` at the current position: the ``DirectType``s directly, anything else through
    /// its `encode(to:)` into a new slot. Each `unsafeBitCast` below converts a value to its own type.
    func encodeValue<Value: Encodable>(_ value: Value, path: CodingPathNode) throws {
        guard let direct = directTypes.of(Value.self) else {
            let slot = openSlot(path: path)
            try value.encode(to: SlotEncoder(state: self, slot: slot))
            try close(slot)
            return
        }
        if ScalarArrays.encode(value, as: direct, into: self) { return }
        switch direct {
        case .string: appendString(unsafeBitCast(value, to: String.self))
        case .double: appendDouble(unsafeBitCast(value, to: Double.self))
        case .int: appendSigned(Int64(unsafeBitCast(value, to: Int.self)))
        case .bool: appendBool(unsafeBitCast(value, to: Bool.self))
        case .float: appendFloat(unsafeBitCast(value, to: Float.self))
        case .date: appendDouble(unsafeBitCast(value, to: Date.self).timeIntervalSinceReferenceDate)
        case .url: appendString(unsafeBitCast(value, to: URL.self).absoluteString)
        case .data:
            let data = unsafeBitCast(value, to: Data.self)
            data.withUnsafeBytes { appendScalars($0, count: data.count, kind: .uint8, segment: .data(data)) }
        case .strings:
            let id = openContainer(keyed: false)
            for string in unsafeBitCast(value, to: [String].self) {
                try beginElement(id)
                appendString(string)
            }
            try close(id)
        case .doubles, .bytes, .ints, .floats, .bools, .int8s, .int16s, .int32s, .int64s, .uints, .uint16s, .uint32s, .uint64s:
            break  // written by ScalarArrays above
        }
    }
}
