// libFuzzer target for the host link's message decoder (HostMessageReader in
// Sources/Parallel/Processes/Hosts/HostMessage.swift), built by scripts/fuzz with that file and
// HostLinkError.swift. Any bytes, arriving in any split, with or without the greeting first, must
// yield messages or a HostLinkError; a decoded message must re-encode to bytes that decode equal.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    // The first byte picks the split (as reads split a stream) and whether a greeting is expected.
    let split = max(1, Int(first >> 1))
    var reader = HostMessageReader(expectGreeting: first & 1 == 1)
    var rest = bytes[1...]
    var messages = 0
    while !rest.isEmpty && messages < 10_000 {
        let chunk = rest.prefix(split)
        rest = rest.dropFirst(chunk.count)
        reader.append(chunk)
        do {
            while let message = try reader.next() {
                messages += 1
                var again = HostMessageReader(expectGreeting: false)
                again.append(message.encoded[...])
                guard (try? again.next()) == message else { fatalError("\(message) does not survive re-encoding") }  // a fuzzer finding
            }
        } catch {
            return 0
        }
    }
    return 0
}
