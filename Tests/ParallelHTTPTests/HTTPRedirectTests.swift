import Testing
import ParallelHTTP
import ParallelTestServer

@Suite("Redirects are followed by the session: final URL, history, method rules", .timeLimit(.minutes(1)))
struct HTTPRedirectTests {
    @Test("the response carries the final URL and every redirect, oldest first, relative Locations resolved")
    func historyAndFinalURL() async throws {
        try await withTestServer { server in
            try await withHTTPSession { session throws in
                let response = try await session.get("\(server.baseURL)/redirect/2")
                #expect(response.url == "\(server.baseURL)/get")
                #expect(response.history.map(\.url) == ["\(server.baseURL)/redirect/2", "\(server.baseURL)/redirect/1"])
                #expect(response.history.map(\.location) == ["\(server.baseURL)/redirect/1", "\(server.baseURL)/get"])
                #expect(response.history.map(\.status.code) == [302, 302])
                let direct = try await session.get("\(server.baseURL)/get")
                #expect(direct.history.isEmpty)
                let streamed = try await session.stream(.GET, "\(server.baseURL)/redirect/1") { response in
                    (response.url, response.history.count, try await response.body.collect().count)
                }
                #expect(streamed.0 == "\(server.baseURL)/get")
                #expect(streamed.1 == 1)
                #expect(streamed.2 > 0)
            }
        }
    }

    @Test("301, 302 and 303 turn a POST into a GET without body; 307 and 308 keep method and body",
          arguments: [(301, "GET", nil), (302, "GET", nil), (303, "GET", nil), (307, "POST", "payload"), (308, "POST", "payload")] as [(Int, String, String?)])
    func methodRules(_ status: Int, _ method: String, _ data: String?) async throws {
        try await withTestServer { server in
            try await withHTTPSession { session throws in
                let target = method == "GET" ? "/get" : "/post"
                let response = try await session.post(
                    "\(server.baseURL)/redirect-to?status=\(status)&url=\(target)",
                    body: Array("payload".utf8),
                    headers: ["Content-Type": "text/plain"]
                )
                let echo = try response.decode(Echo.self)
                #expect(echo.method == method)
                #expect(echo.data == data)
                #expect(response.history.first?.status.code == UInt(status))
                if method == "GET" { #expect(echo.headers["content-type"] == nil) }
            }
        }
    }
}
