// libFuzzer target for the pool's frame decoder (FrameBuffer in Sources/Parallel/Processes/Wire/Frame.swift),
// built by scripts/fuzz with that file. Any bytes, arriving in any split, appended or read straight
// into the room a big frame's header made, must yield frames or a FrameError; a decoded frame must
// re-encode to a frame that decodes equal.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    // The first byte picks where the rest is split, as reads from a socket split it.
    let split = size > 0 ? Int(bytes[0] >> 1) : 0
    // Its lowest bit: take the room a big frame offers (as the channels do), or always append.
    let direct = size > 0 && bytes[0] & 1 == 1
    var buffer = FrameBuffer(limit: 1 << 20)
    var rest = size > 0 ? UnsafeRawBufferPointer(rebasing: bytes[1...]) : bytes
    var frames = 0
    while !rest.isEmpty && frames < 10_000 {
        let chunk = max(1, min(rest.count, split))
        let piece = UnsafeRawBufferPointer(rebasing: rest[..<chunk])
        let taken = direct ? buffer.receive { room in
            let count = min(room.count, piece.count)
            room.copyMemory(from: UnsafeRawBufferPointer(rebasing: piece[..<count]))
            return count
        } : nil
        if taken == nil { buffer.append(piece) }
        rest = UnsafeRawBufferPointer(rebasing: rest[(taken ?? chunk)...])
        do {
            while let frame = try buffer.next() {
                frames += 1
                let encoded = frame.encoded()
                var again = FrameBuffer(limit: Int(UInt32.max))
                encoded.withUnsafeBytes { again.append($0) }
                guard (try? again.next()) == frame else { fatalError("\(frame) does not survive re-encoding") }  // a fuzzer finding
            }
        } catch {
            return 0
        }
    }
    return 0
}
