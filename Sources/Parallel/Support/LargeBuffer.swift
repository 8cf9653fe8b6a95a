#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Memory for the big buffers a payload passes through (an encoded frame, a frame being received,
/// a decoded `[Double]`, `Data` or `String`), which are new memory every time.
///
/// Why by hand: a buffer of some MiB is a fresh `mmap` of the C library's `malloc`, and touching it
/// page by page costs the kernel one fault per 4 KiB page. Measured on the 2-core Linux machine this
/// package is benchmarked on, a 32 MiB payload's six fresh buffers (encoded, received and decoded, on
/// each side) took about 90 of the 110 ms its round trip to a worker took. Asking for transparent
/// huge pages (`madvise(MADV_HUGEPAGE)`, which Linux honours when
/// `/sys/kernel/mm/transparent_hugepage/enabled` is `madvise` or `always`) before the first touch
/// makes that one fault per 2 MiB. Neither Swift's standard library nor swift-system exposes it,
/// and the C library does only when a whole process is started with `GLIBC_TUNABLES`.
/// Elsewhere, and for small buffers, these are plain allocations.
///
/// ```swift
/// var bytes: [UInt8] = []
/// bytes.appendBytes(UnsafeRawBufferPointer(payload))   // grows with room to spare, huge pages advised
/// let copy = LargeBuffer.array(of: Double.self, count: n) { UnsafeMutableRawBufferPointer($0).copyMemory(from: raw) }
/// let data = LargeBuffer.data(copying: raw)
/// ```
enum LargeBuffer {
    /// From this many bytes on, a buffer is advised to use huge pages (one huge page is 2 MiB).
    static let threshold = 4 << 20

    /// Advises the kernel to back the whole 2 MiB-aligned pages inside `buffer` with huge pages.
    /// Call it before the memory is first touched; a failure (no THP, another OS) changes nothing.
    static func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
        #if os(Linux)
        guard buffer.count >= threshold, let base = buffer.baseAddress else { return }
        let huge = 2 << 20
        let start = (Int(bitPattern: base) + huge - 1) & ~(huge - 1)
        let end = (Int(bitPattern: base) + buffer.count) & ~(huge - 1)
        guard end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(aligned, end - start, MADV_HUGEPAGE)
        #endif
    }

    /// A copy of `bytes` as `Data`, its memory advised for huge pages when big.
    static func data(copying bytes: UnsafeRawBufferPointer) -> Data {
        guard bytes.count >= threshold, let memory = malloc(bytes.count) else { return Data(bytes) }
        let target = UnsafeMutableRawBufferPointer(start: memory, count: bytes.count)
        adviseHugePages(target)
        target.copyMemory(from: bytes)
        return Data(bytesNoCopy: memory, count: bytes.count, deallocator: .free)
    }

    /// A string of the ASCII bytes `ascii` (the caller has checked them), its memory advised for
    /// huge pages when big.
    static func string(ascii: UnsafeBufferPointer<UInt8>) -> String {
        guard ascii.count >= threshold else { return String(decoding: ascii, as: UTF8.self) }
        return String(unsafeUninitializedCapacity: ascii.count) { target in
            adviseHugePages(UnsafeMutableRawBufferPointer(target))
            UnsafeMutableRawBufferPointer(target).copyMemory(from: UnsafeRawBufferPointer(ascii))
            return ascii.count
        }
    }

    /// An array of `count` elements that `initialize` fills whole (trivial elements only: any bit
    /// pattern valid), its memory advised for huge pages before `initialize` touches it.
    static func array<Element>(
        of type: Element.Type, count: Int, _ initialize: (UnsafeMutableBufferPointer<Element>) throws -> Void
    ) rethrows -> [Element] {
        try [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
            try initialize(buffer)
            initialized = count
        }
    }
}

extension Array where Element == UInt8 {
    /// Appends raw bytes with one copy. (`append(contentsOf:)` with a raw buffer walks it byte by
    /// byte: measured at 8 ns a byte, it dominated the pool's throughput.)
    ///
    /// A big append that outgrows the capacity moves the bytes into a buffer with room for four
    /// times as many (at least this append and 64 KiB more), advised for huge pages. The standard
    /// growth would leave no room for the few bytes that usually follow a big value and copy it all
    /// again for them, and doubling copies a struct of four big arrays three times; room that is
    /// never written costs address space, not memory (the kernel backs a page when it is touched).
    @inline(__always)
    mutating func appendBytes(_ raw: UnsafeRawBufferPointer) {
        if raw.count >= LargeBuffer.threshold / 4 && count + raw.count > capacity {
            reserveLarge(Swift.max(count + raw.count + (64 << 10), 4 * capacity))
        }
        raw.withMemoryRebound(to: UInt8.self) { append(contentsOf: $0) }
    }

    /// Makes the capacity at least `capacity`, in a kept buffer (``SpareBuffers``) or a new one
    /// advised for huge pages when it is big, holding the same bytes.
    mutating func reserveLarge(_ capacity: Int, spares: SpareBuffers = .shared) {
        guard capacity > self.capacity else { return }
        if var spare = spares.take(capacity: capacity) {
            spare.removeAll(keepingCapacity: true)
            withUnsafeBytes { spare.appendBytes($0) }
            self = spare
            return
        }
        let old = self
        self = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            LargeBuffer.adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
            old.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
            initialized = old.count
        }
    }
}
