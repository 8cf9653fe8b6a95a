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
    /// `http` or `https`.
    let scheme: String
    /// The host as AsyncHTTPClient connects to it (IPv6 without brackets), lower-cased.
    let host: String
    /// The port, given or the scheme's default.
    let port: Int
    /// The path, `/` when empty.
    let path: String
    /// The user and password given in the URL, percent-decoded.
    let credentials: HTTPBasicAuth?

    /// Validates `text`; throws ``HTTPError/badURL(_:reason:)`` naming what is wrong.
    init(_ text: String) throws(HTTPError) {
        func bad(_ reason: String) -> HTTPError { .badURL(text, reason: reason) }
        let port = try Self.explicitPort(text).get()
        guard let url = URL(string: text) else { throw bad("it is not a valid URL") }
        guard let scheme = url.scheme?.lowercased() else { throw bad("it has no scheme") }
        guard scheme == "http" || scheme == "https" else { throw bad("its scheme '\(scheme)' is not http or https") }
        guard let rawHost = url.host, !rawHost.isEmpty else { throw bad("it has no host") }
        let host = rawHost.lowercased()
        guard host.unicodeScalars.allSatisfy(Self.isHostCharacter) else {
            throw bad("its host '\(rawHost)' has characters a host name cannot have")
        }
        // The port URL parsed must be the one read from the text: it is the one AsyncHTTPClient uses.
        guard url.port == port else { throw bad("its port could not be read unambiguously") }
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        components?.user = nil
        components?.password = nil
        components?.fragment = nil
        guard let stripped = components?.string else { throw bad("it is not a valid URL") }
        self.string = stripped
        self.scheme = scheme
        self.host = host
        self.port = port ?? (scheme == "https" ? 443 : 80)
        self.path = url.path.isEmpty ? "/" : url.path
        self.credentials = url.user.map { user in
            HTTPBasicAuth(
                username: user.removingPercentEncoding ?? user,
                password: url.password.map { $0.removingPercentEncoding ?? $0 } ?? ""
            )
        }
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

    /// The port written in the authority of `text`, `nil` when none is; a failure when it is not a
    /// number in 1…65535. Read from the text itself because `URL.port` is `nil` for a port too long for
    /// an `Int`, which would silently mean the scheme's default.
    private static func explicitPort(_ text: String) -> Result<Int?, HTTPError> {
        guard let schemeEnd = text.range(of: "://") else { return .success(nil) }
        let rest = text[schemeEnd.upperBound...]
        var authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            authority = authority[authority.index(after: close)...]
        }
        guard let colon = authority.lastIndex(of: ":") else { return .success(nil) }
        let digits = authority[authority.index(after: colon)...]
        if digits.isEmpty { return .success(nil) }
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(digits), (1...65535).contains(port) else {
            return .failure(.badURL(text, reason: "its port '\(digits)' is not a number in 1…65535"))
        }
        return .success(port)
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
