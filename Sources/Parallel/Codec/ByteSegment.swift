#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A run of bytes an encoding refers to instead of copying: the storage of a big array, `Data` or
/// `String` being encoded, kept alive by this value and read where it is when the message is
/// written (`writev`-style: the frame's bytes, then this run, then the bytes after it).
///
/// Why: copying a 32 MiB array into the encoded message, into a fresh buffer whose every page the
/// kernel then zeroes, was a sixth of a big payload's round trip to a worker; the socket copies the
/// bytes anyway.
///
/// ```swift
/// let segment = ByteSegment.array(doubles)
/// segment.withBytes { raw in _ = write(fd, raw.baseAddress, raw.count) }
/// ```
struct ByteSegment: Sendable {
    /// How many bytes it holds.
    let count: Int
    /// Calls its argument with the bytes, where they are.
    let withBytes: @Sendable (_ body: (UnsafeRawBufferPointer) -> Void) -> Void

    /// From this many bytes on, an array, `Data` or `String` is a segment of an encoding that allows
    /// them (one more write when it is sent), not a copy.
    static let threshold = 1 << 20

    /// The elements of `array` (trivial elements only), as they are in memory.
    static func array<Element: Sendable>(_ array: [Element]) -> ByteSegment {
        ByteSegment(count: array.count * MemoryLayout<Element>.stride) { body in array.withUnsafeBytes(body) }
    }

    /// The bytes of `data`.
    static func data(_ data: Data) -> ByteSegment {
        ByteSegment(count: data.count) { body in data.withUnsafeBytes(body) }
    }

    /// The UTF-8 bytes of `string` (whose storage is contiguous already: `withUTF8` does not copy).
    static func string(_ string: String, count: Int) -> ByteSegment {
        ByteSegment(count: count) { body in
            var string = string
            string.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        }
    }
}
