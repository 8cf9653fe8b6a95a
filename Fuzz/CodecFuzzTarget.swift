// libFuzzer target for the binary codec's decoder (Sources/Parallel/Codec), built by scripts/fuzz with
// the codec's sources. Any bytes must decode or throw a DecodingError; a value that decodes must
// re-encode to bytes that decode and re-encode to the same bytes.
import Foundation

struct FuzzPoint: Codable { var x, y, z: Double; var label: String; var tags: [Int]?; var flag: Bool? }
enum FuzzShape: Codable { case circle(radius: Double), polygon([FuzzPoint], closed: Bool), empty, labelled(String, Int8?) }
struct FuzzRecord: Codable {
    var id: UInt64
    var shapes: [FuzzShape]
    var bytes: [UInt8]
    var data: Data
    var nested: [[Int32]]
    var names: [String]
    var date: Date
    var small: Int16?
}

/// Decodes `bytes` as `Value`; if that works, checks the re-encoding is stable.
func check<Value: Codable>(_ type: Value.Type, _ bytes: [UInt8]) {
    guard let value = try? BinaryDecoder().decode(type, from: bytes) else { return }
    do {
        let once = try BinaryEncoder().encode(value)
        let twice = try BinaryEncoder().encode(try BinaryDecoder().decode(type, from: once))
        if once != twice { fatalError("re-encoding \(Value.self) is not stable") }  // a fuzzer finding: crash on purpose
    } catch {
        fatalError("a decoded \(Value.self) does not re-encode and decode: \(error)")  // a fuzzer finding
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    check([FuzzRecord].self, bytes)
    check(FuzzShape.self, bytes)
    check([[Double]].self, bytes)
    check([String?].self, bytes)
    check(Int.self, bytes)
    _ = try? BinaryDecoder().decode([String: [Int]].self, from: bytes)
    _ = try? BinaryDecoder().decode([Int: FuzzPoint].self, from: bytes)
    return 0
}
