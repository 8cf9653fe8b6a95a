#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The whole text of a `/proc` file, read to its end (`String(contentsOfFile:)` stops after the
/// first 4 KiB of a file whose size `stat` says is 0, as procfs files do); empty if it cannot be
/// opened. Shared by the test targets that check mappings and descriptors.
///
/// ```swift
/// let maps = readProcFile("/proc/self/maps")
/// ```
public func readProcFile(_ path: String) -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return "" }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    // At most 64 MiB: far more than any maps file of a test process.
    for _ in 0..<1_024 {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { break }
        bytes += chunk[..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}
