/// What was wrong with the bytes of a host link (``HostMessage``).
enum HostLinkError: Error, Equatable, CustomStringConvertible {
    /// Bytes that are not a message this version writes.
    case malformed(String)
    /// More than ``HostMessageReader/preambleLimit`` bytes came and no greeting: not an agent.
    case preamble([UInt8])

    var description: String {
        switch self {
        case .malformed(let detail): "the link carried bytes that are not a host message (\(detail))"
        case .preamble(let bytes): "the program printed \(bytes.count) bytes and no agent greeting: \(Self.quote(bytes))"
        }
    }

    /// Up to 200 bytes of `bytes` as quoted text, for messages.
    static func quote(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(200), as: UTF8.self)
        let escaped = text.unicodeScalars.map { $0.isASCII && $0.value >= 32 && $0 != "\"" ? String($0) : $0.escaped(asASCII: true) }.joined()
        return "\"\(escaped)\"\(bytes.count > 200 ? "…" : "")"
    }
}
