import NIOHTTP1
import Testing
@testable import ParallelHTTP
import ParallelTestServer

@Suite("A cookie's Domain attribute", .timeLimit(.minutes(1)))
struct HTTPCookieDomainTests {
    /// A jar holding what `Set-Cookie: <setCookie>` from `from` leaves in it.
    static func jar(after setCookie: String, from url: String) throws -> HTTPCookieJar {
        let jar = HTTPCookieJar()
        jar.store(["Set-Cookie": setCookie], from: try RequestURL(url))
        return jar
    }

    @Test("Domain=example.com from www.example.com goes to example.com and every subdomain of it, not elsewhere")
    func domainCoversSubdomains() throws {
        let jar = try Self.jar(after: "k=v; Path=/; Domain=example.com", from: "http://www.example.com/")
        #expect(jar.cookies(for: "http://example.com/").map(\.name) == ["k"])
        #expect(jar.cookies(for: "http://www.example.com/").map(\.name) == ["k"])
        #expect(jar.cookies(for: "http://a.b.example.com/x").map(\.name) == ["k"])
        #expect(jar.cookies(for: "http://notexample.com/").isEmpty)
        #expect(jar.cookies(for: "http://example.com.evil.org/").isEmpty)
    }

    @Test("a leading dot and upper case in Domain mean the same domain")
    func leadingDotAndCase() throws {
        let jar = try Self.jar(after: "k=v; Domain=.EXAMPLE.com", from: "http://www.example.com/")
        #expect(jar.cookies(for: "http://api.example.com/").map(\.name) == ["k"])
    }

    @Test("without Domain a cookie goes to the host that set it only, not to its subdomains")
    func hostOnly() throws {
        let jar = try Self.jar(after: "k=v; Path=/", from: "http://example.com/")
        #expect(jar.cookies(for: "http://example.com/").map(\.name) == ["k"])
        #expect(jar.cookies(for: "http://www.example.com/").isEmpty)
    }

    @Test("a Domain the setting host is not in, or a subdomain of it, is rejected: the cookie is not stored")
    func foreignDomainRejected() throws {
        #expect(try Self.jar(after: "k=v; Domain=other.org", from: "http://www.example.com/").cookies(for: "http://other.org/").isEmpty)
        #expect(try Self.jar(after: "k=v; Domain=other.org", from: "http://www.example.com/").cookies(for: "http://www.example.com/").isEmpty)
        #expect(try Self.jar(after: "k=v; Domain=a.www.example.com", from: "http://www.example.com/").cookies(for: "http://a.www.example.com/").isEmpty)
    }

    @Test("through the session: a Domain naming the server's host is kept, one naming another host is dropped")
    func endToEnd() async throws {
        try await withTestServer { server in
            try await withHTTPSession { session throws in
                let kept = try await session.get("\(server.baseURL)/cookies/set?own=1&domain=127.0.0.1").decode(CookieEcho.self)
                #expect(kept.cookies == ["own": "1"])
                let dropped = try await session.get("\(server.baseURL)/cookies/set?foreign=1&domain=example.com").decode(CookieEcho.self)
                #expect(dropped.cookies == ["own": "1"])
                #expect(session.cookies.cookies(for: "http://example.com/").isEmpty)
            }
        }
    }
}
