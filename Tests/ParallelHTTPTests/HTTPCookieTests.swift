import Testing
import ParallelHTTP
import ParallelTestServer

/// What `/cookies` answers.
struct CookieEcho: Decodable {
    let cookies: [String: String]
}

@Suite("A cookie jar per session", .timeLimit(.minutes(1)))
struct HTTPCookieTests {
    @Test("a cookie set on a redirect is sent on the next hop and on later requests, until it is deleted")
    func jar() async throws {
        try await withTestServer { server in
            try await withHTTPSession { session throws in
                // /cookies/set answers 302 with Set-Cookie, to /cookies.
                let first = try await session.get("\(server.baseURL)/cookies/set?theme=dark&lang=en").decode(CookieEcho.self)
                #expect(first.cookies == ["theme": "dark", "lang": "en"])
                let later = try await session.get("\(server.baseURL)/cookies").decode(CookieEcho.self)
                #expect(later.cookies == ["theme": "dark", "lang": "en"])
                #expect(session.cookies.cookies(for: "\(server.baseURL)/").count == 2)
                let deleted = try await session.get("\(server.baseURL)/cookies/delete?theme").decode(CookieEcho.self)
                #expect(deleted.cookies == ["lang": "en"])
                let expired = try await session.get("\(server.baseURL)/cookies/set?lang=fr&max_age=0").decode(CookieEcho.self)
                #expect(expired.cookies == [:])
            }
            // Another session has its own jar.
            try await withHTTPSession { session throws in
                let fresh = try await session.get("\(server.baseURL)/cookies").decode(CookieEcho.self)
                #expect(fresh.cookies == [:])
            }
        }
    }

    @Test("a cookie is sent only to the host that set it and to paths under its Path")
    func scope() async throws {
        try await withTestServer { server in
            try await withHTTPSession { session throws in
                _ = try await session.get("\(server.baseURL)/cookies/set?k=v")
                #expect(session.cookies.cookies(for: "\(server.baseURL)/anything").map(\.name) == ["k"])
                #expect(session.cookies.cookies(for: "http://localhost:\(server.port)/").isEmpty)
                #expect(session.cookies.cookies(for: "http://127.0.0.2:\(server.port)/").isEmpty)
            }
        }
    }

    @Test("an Expires in the past deletes a cookie; a Secure cookie goes to https URLs only")
    func expiresAndSecure() async throws {
        try await withTestServer { server in
            try await withHTTPSession { session throws in
                _ = try await session.get("\(server.baseURL)/cookies/set?a=1&b=2")
                let past = "Thu,%2001%20Jan%201970%2000:00:00%20GMT"
                let after = try await session.get("\(server.baseURL)/cookies/set?a=gone&expires=\(past)").decode(CookieEcho.self)
                #expect(after.cookies == ["b": "2"])
                let future = "Fri,%2001%20Jan%202100%2000:00:00%20GMT"
                let kept = try await session.get("\(server.baseURL)/cookies/set?c=3&expires=\(future)").decode(CookieEcho.self)
                #expect(kept.cookies == ["b": "2", "c": "3"])
                let secure = try await session.get("\(server.baseURL)/cookies/set?s=1&secure").decode(CookieEcho.self)
                #expect(secure.cookies["s"] == nil)
                #expect(session.cookies.cookies(for: "https://127.0.0.1:\(server.port)/").map(\.name).contains("s"))
            }
        }
    }
}
