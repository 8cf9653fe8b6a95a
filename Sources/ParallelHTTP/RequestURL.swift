#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A URL the session may hand to AsyncHTTPClient: http or https, a host, a port in 1…65535, parsed the
/// same way AsyncHTTPClient will parse it. Made from every URL a caller gives and every redirect's
/// `Location`, so that no URL reaches NIO's socket code (which traps on a port past 65535, and silently
/// wraps one given with a host name).
///
/// ```swift
/// let target = try RequestURL("http://user:pw@127.0.0.1:8080/get")
/// target.string        // "http://127.0.0.1:8080/get", what is sent
/// target.credentials   // user "user", password "pw"
/// ```
struct RequestURL: Sendable, Equatable {
    /// The URL as AsyncHTTPClient gets it: without credentials or fragment.
    let string: String
    /// ``string`` parsed, handed to AsyncHTTPClient as is so that it does not parse the text again.
    let url: URL
    /// `http` or `https`.
    let scheme: String
    /// The host as AsyncHTTPClient connects to it (IPv6 without brackets), lower-cased.
    let host: String
    /// The port, given or the scheme's default.
    let port: Int
    /// The user and password given in the URL, percent-decoded.
    let credentials: HTTPBasicAuth?

    /// The path, `/` when empty; computed on use (only the cookie jar needs it).
    var path: String {
        let path = url.path
        return path.isEmpty ? "/" : path
    }

    /// Validates `text`; throws ``HTTPError/badURL(_:reason:)`` naming what is wrong.
    init(_ text: String) throws(HTTPError) {
        func bad(_ reason: String) -> HTTPError { .badURL(text, reason: reason) }
        let authority = try Self.authority(text).get()
        guard let url = URL(string: text) else { throw bad("it is not a valid URL") }
        guard let scheme = url.scheme?.lowercased() else { throw bad("it has no scheme") }
        guard scheme == "http" || scheme == "https" else { throw bad("its scheme '\(scheme)' is not http or https") }
        guard let rawHost = url.host, !rawHost.isEmpty else { throw bad("it has no host") }
        let host = rawHost.lowercased()
        guard host.unicodeScalars.allSatisfy(Self.isHostCharacter) else {
            throw bad("its host '\(rawHost)' has characters a host name cannot have")
        }
        // The port URL parsed must be the one read from the text: it is the one AsyncHTTPClient uses.
        guard url.port == authority.port else { throw bad("its port could not be read unambiguously") }
        if authority.hasUserInfo || authority.hasFragment {
            var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
            components?.user = nil
            components?.password = nil
            components?.fragment = nil
            guard let stripped = components?.string, let strippedURL = URL(string: stripped) else {
                throw bad("it is not a valid URL")
            }
            self.string = stripped
            self.url = strippedURL
        } else {
            // Nothing to strip (the common case): parsed once.
            self.string = url.absoluteString
            self.url = url
        }
        self.scheme = scheme
        self.host = host
        self.port = authority.port ?? (scheme == "https" ? 443 : 80)
        self.credentials = url.user.map { user in
            HTTPBasicAuth(
                username: user.removingPercentEncoding ?? user,
                password: url.password.map { $0.removingPercentEncoding ?? $0 } ?? ""
            )
        }
    }

    /// `text` without the `user:password@` of its authority, if it has one: what logs and spans show.
    static func redacted(_ text: String) -> String {
        guard let schemeEnd = text.utf8.firstRange(of: "://".utf8)?.upperBound else { return text }
        let rest = text.utf8[schemeEnd...]
        let authorityEnd = rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? rest.endIndex
        guard let at = text.utf8[schemeEnd..<authorityEnd].lastIndex(of: UInt8(ascii: "@")) else { return text }
        return String(text[..<schemeEnd]) + String(text[text.utf8.index(after: at)...])
    }

    /// The URL a redirect's `Location` names, resolved against this one when relative, validated.
    func resolving(_ location: String) throws(HTTPError) -> RequestURL {
        guard let base = URL(string: string), let resolved = URL(string: location, relativeTo: base) else {
            throw .badURL(location, reason: "the redirect from \(string) points to something that is not a URL")
        }
        do {
            return try RequestURL(resolved.absoluteString)
        } catch .badURL(let url, let reason) {
            throw .badURL(url, reason: "the redirect from \(string) points to it, and \(reason)")
        }
    }

    /// Whether `other` is on the same scheme, host and port (credentials stay with their origin).
    func hasSameOrigin(as other: RequestURL) -> Bool {
        scheme == other.scheme && host == other.host && port == other.port
    }

    /// What the text itself says about its authority, read on its UTF-8 bytes.
    private struct Authority {
        /// The port written in the authority, `nil` when none is.
        var port: Int?
        /// Whether the authority has a `user:password@` part.
        var hasUserInfo: Bool
        /// Whether the text has a `#fragment`.
        var hasFragment: Bool
    }

    /// The authority of `text`; a failure when its port is not a number in 1…65535. The port is read
    /// from the text itself because `URL.port` is `nil` for a port too long for an `Int`, which would
    /// silently mean the scheme's default.
    private static func authority(_ text: String) -> Result<Authority, HTTPError> {
        let bytes = Array(text.utf8)
        let slash = UInt8(ascii: "/"), question = UInt8(ascii: "?"), hash = UInt8(ascii: "#")
        let hasFragment = bytes.contains(hash)
        var start = 0
        while start + 2 < bytes.count, !(bytes[start] == UInt8(ascii: ":") && bytes[start + 1] == slash && bytes[start + 2] == slash) {
            start += 1
        }
        guard start + 2 < bytes.count else { return .success(Authority(port: nil, hasUserInfo: false, hasFragment: hasFragment)) }
        start += 3
        var end = start
        while end < bytes.count, bytes[end] != slash, bytes[end] != question, bytes[end] != hash { end += 1 }
        var hostStart = start
        var hasUserInfo = false
        if let at = bytes[start..<end].lastIndex(of: UInt8(ascii: "@")) {
            hostStart = at + 1
            hasUserInfo = true
        }
        if hostStart < end, bytes[hostStart] == UInt8(ascii: "["), let close = bytes[hostStart..<end].firstIndex(of: UInt8(ascii: "]")) {
            hostStart = close + 1
        }
        guard let colon = bytes[hostStart..<end].lastIndex(of: UInt8(ascii: ":")) else {
            return .success(Authority(port: nil, hasUserInfo: hasUserInfo, hasFragment: hasFragment))
        }
        let digits = bytes[(colon + 1)..<end]
        if digits.isEmpty { return .success(Authority(port: nil, hasUserInfo: hasUserInfo, hasFragment: hasFragment)) }
        var port = 0
        for digit in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit), port <= 65535 else { port = 0; break }
            port = port * 10 + Int(digit - UInt8(ascii: "0"))
        }
        guard (1...65535).contains(port) else {
            let written = String(decoding: digits, as: UTF8.self)
            return .failure(.badURL(text, reason: "its port '\(written)' is not a number in 1…65535"))
        }
        return .success(Authority(port: port, hasUserInfo: hasUserInfo, hasFragment: hasFragment))
    }

    /// Letters, digits and `-._~` of a host name, and the hex digits, `:` and `%` of an IPv6 literal.
    private static func isHostCharacter(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.isASCII else { return false }
        switch scalar {
        case "a"..."z", "0"..."9", "-", ".", "_", "~", ":", "%": return true
        default: return false
        }
    }
}
