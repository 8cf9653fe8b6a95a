/// The package's binary format for `Codable` task inputs and outputs, written by ``BinaryEncoder``
/// and read by ``BinaryDecoder``.
///
/// Hand-written because no library available to this package does binary `Codable` (Foundation
/// offers JSON and property lists only; the mirror holds no MessagePack, CBOR or protobuf `Codable`
/// coder), and JSON costs about a microsecond per number and doubles the size of bytes.
///
/// ```
/// format 1:  [format byte = 1] [UInt64 LE: offset of the key table] [value] [key table]
/// key table: varint count, then per key: varint UTF-8 length, UTF-8 bytes
/// value:     tag byte, then by tag
///   0 nil · 1 false · 2 true
///   3 signed integer: zigzag LEB128 varint   · 4 unsigned integer: LEB128 varint
///   5 Float: 4 bytes LE                      · 6 Double: 8 bytes LE
///   7 string: varint byte count, UTF-8
///   8 scalar array: element kind byte, varint element count, count × width bytes LE
///     (`[Double]`, `[Int32]`, `[UInt8]`, `Data`, `[Bool]`…: one length, one copy of the bytes)
///   9 keyed container:   UInt32 LE content bytes, UInt32 LE entries, entries: varint key index, value
///  10 unkeyed container: UInt32 LE content bytes, UInt32 LE elements, values
/// ```
///
/// Keys are spelled once per encoding: an entry names its key by its index in the key table at the
/// end (the encoder learns the keys as it goes, so the table comes last and the header says where it
/// is). A keyed entry costs one byte for its key while there are fewer than 128 distinct keys, so an
/// array of 100,000 structs spells `"x"` once, not 100,000 times. Decoding looks keys up by name,
/// so a type may decode its keys in any order and skip absent ones, as with JSON: a keyed container
/// finds a key at its cursor first (decoding in the order of encoding costs one comparison) and
/// scans its entries otherwise; containers carry their byte length so a scan skips them whole.
///
/// Containers are written in place, their header patched when they close, so an encoding is one
/// buffer, grown once per value and never copied. The price: a container must be written as a
/// stack, the innermost first; writing to a container after its parent (or an ancestor) wrote again
/// is reported as an `EncodingError`, never silently misencoded.
///
/// Every read is bounds-checked: a length is compared to the bytes that remain before anything is
/// allocated, so bad bytes (truncated, forged lengths, unknown tags or format) are a `DecodingError`.
///
/// Like JSON, `Optional<Optional<T>>.some(nil)` decodes as `nil`, and `URL` travels as its
/// absolute string. Multi-byte values are little-endian; the scalar-array paths copy memory as is,
/// so they assume a little-endian machine (every platform Swift on Linux and Apple runs on).
enum BinaryFormat {
    /// The format byte of this version.
    static let version: UInt8 = 1
    /// Format byte plus the key table's offset.
    static let headerSize = 9
    /// Tag plus content length plus count.
    static let containerHeaderSize = 9

    enum Tag: UInt8 {
        case null = 0, falseValue, trueValue, int, uint, float, double, string, scalars, keyed, unkeyed
    }

    /// The element type of a scalar array; the raw value is on the wire.
    enum ScalarKind: UInt8 {
        case int8 = 1, int16, int32, int64, uint8, uint16, uint32, uint64, float, double, bool

        var width: Int {
            switch self {
            case .int8, .uint8, .bool: 1
            case .int16, .uint16: 2
            case .int32, .uint32, .float: 4
            case .int64, .uint64, .double: 8
            }
        }

        static let int: ScalarKind = MemoryLayout<Int>.size == 8 ? .int64 : .int32
        static let uint: ScalarKind = MemoryLayout<UInt>.size == 8 ? .uint64 : .uint32
    }
}

#if !_endian(little)
#error("BinaryFormat copies scalar arrays as little-endian memory")
#endif
