import Parallel

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The cookies of one ``HTTPSession`` (aiohttp's `CookieJar`): every `Set-Cookie` the session
/// receives, redirects included, is stored and sent back in `Cookie` to the URLs it matches (RFC 6265:
/// domain, path, `Secure`); `Max-Age` and `Expires` are honoured, so an expired or `Max-Age=0` cookie is
/// deleted. Cookies are kept in memory for the session's life.
///
/// ```swift
/// _ = try await session.get("\(base)/cookies/set?theme=dark")
/// print(session.cookies.cookies(for: "\(base)/"))   // [("theme", "dark")]
/// ```
public final class HTTPCookieJar: Sendable {
    struct Cookie: Sendable {
        var name: String
        var value: String
        /// Lower-cased, without a leading dot.
        var domain: String
        /// Whether only `domain` itself matches (no `Domain` attribute), not its subdomains.
        var hostOnly: Bool
        var path: String
        var secure: Bool
        /// Seconds since 1970; `nil` for a session cookie.
        var expires: Double?
    }

    private let stored = LockedValue<[Cookie]>([])
    private let now: @Sendable () -> Double

    /// An empty jar; `now` gives the wall-clock time in seconds since 1970 (for tests).
    init(now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.now = now
    }

    /// The cookies that would be sent to `url`, in the order they are sent (longer paths first); none
    /// for a URL the session would reject.
    ///
    /// ```swift
    /// for (name, value) in session.cookies.cookies(for: "https://example.com/") { print(name, value) }
    /// ```
    public func cookies(for url: String) -> [(name: String, value: String)] {
        guard let target = try? RequestURL(url) else { return [] }
        return matching(target).map { ($0.name, $0.value) }
    }

    /// Removes every cookie (aiohttp's `cookie_jar.clear()`).
    ///
    /// ```swift
    /// session.cookies.removeAll()
    /// ```
    public func removeAll() {
        stored.withLock { $0.removeAll() }
    }

    /// The `Cookie` header's value for a request to `url`, or `nil` when no cookie matches.
    func header(for url: RequestURL) -> String? {
        let cookies = matching(url)
        guard !cookies.isEmpty else { return nil }
        return cookies.map { "\($0.name)=\($0.value)" }.joined(separator: "; ")
    }

    /// Stores the `Set-Cookie` headers of a response from `url`.
    func store(_ headers: HTTPHeaders, from url: RequestURL) {
        guard headers.contains(name: "set-cookie") else { return }
        let values = headers["set-cookie"]
        let time = now()
        let parsed = values.compactMap { Self.parse($0, from: url, now: time) }
        stored.withLock { cookies in
            for cookie in parsed {
                cookies.removeAll { $0.name == cookie.name && $0.domain == cookie.domain && $0.path == cookie.path }
                if cookie.expires.map({ $0 > time }) ?? true { cookies.append(cookie) }
            }
        }
    }

    private func matching(_ url: RequestURL) -> [Cookie] {
        // An empty jar (most sessions, most of the time) costs one lock, no clock reading.
        guard !stored.withLock({ $0.isEmpty }) else { return [] }
        let time = now()
        return stored.withLock { cookies in
            cookies.removeAll { $0.expires.map { $0 <= time } ?? false }
            return cookies.filter { cookie in
                let domainMatches = cookie.hostOnly
                    ? url.host == cookie.domain
                    : url.host == cookie.domain || url.host.hasSuffix("." + cookie.domain)
                return domainMatches && Self.pathMatches(url.path, cookie.path) && (!cookie.secure || url.scheme == "https")
            }
        }
        .sorted { $0.path.count > $1.path.count }
    }

    /// RFC 6265 §5.1.4: the cookie's path is the request's, or a prefix of it ending at a `/`.
    private static func pathMatches(_ requestPath: String, _ cookiePath: String) -> Bool {
        guard requestPath.hasPrefix(cookiePath) else { return false }
        return requestPath.count == cookiePath.count || cookiePath.hasSuffix("/")
            || requestPath.dropFirst(cookiePath.count).first == "/"
    }

    /// One `Set-Cookie` (RFC 6265 §5.2), or `nil` when it is malformed or names a domain `url` is not in.
    static func parse(_ header: String, from url: RequestURL, now: Double) -> Cookie? {
        let parts = header.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
        guard let pair = parts.first, let equals = pair.firstIndex(of: "=") else { return nil }
        let name = pair[..<equals].trimmingWhitespace()
        guard !name.isEmpty else { return nil }
        var cookie = Cookie(
            name: String(name), value: String(pair[pair.index(after: equals)...].trimmingWhitespace()),
            domain: url.host, hostOnly: true, path: defaultPath(url.path), secure: false, expires: nil
        )
        var maxAge: Double?
        for attribute in parts.dropFirst() {
            let split = attribute.split(separator: "=", maxSplits: 1)
            guard let key = split.first?.trimmingWhitespace().lowercased() else { continue }
            let value = split.count == 2 ? split[1].trimmingWhitespace() : ""
            switch key {
            case "max-age":
                if let seconds = Int(value) { maxAge = Double(seconds) }
            case "expires":
                if let date = HTTPDate(value) { cookie.expires = Double(date.secondsSince1970) }
            case "domain":
                var domain = value.lowercased()
                if domain.hasPrefix(".") { domain.removeFirst() }
                guard !domain.isEmpty else { continue }
                guard url.host == domain || url.host.hasSuffix("." + domain) else { return nil }
                cookie.domain = domain
                cookie.hostOnly = false
            case "path":
                if value.hasPrefix("/") { cookie.path = String(value) }
            case "secure":
                cookie.secure = true
            default:
                continue
            }
        }
        // Max-Age wins over Expires (§5.3 step 3).
        if let maxAge { cookie.expires = now + maxAge }
        return cookie
    }

    /// RFC 6265 §5.1.4's default-path: the request path up to, not including, its last `/`.
    private static func defaultPath(_ path: String) -> String {
        guard path.hasPrefix("/"), let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }
}
