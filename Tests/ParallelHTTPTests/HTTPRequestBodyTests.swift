import Testing
import ParallelHTTP
import ParallelTestServer

@Suite("JSON and form request bodies, as aiohttp's json= and data=", .timeLimit(.minutes(1)))
struct HTTPRequestBodyTests {
    struct Item: Codable, Equatable {
        let name: String
        let tags: [String]
    }

    @Test("post(json:) sends the value as JSON with Content-Type application/json")
    func json() async throws {
        try await withTestServer { server in
            try await withHTTPSession { session throws in
                let item = Item(name: "ünï & co", tags: ["a", "b"])
                let echo = try await session.post("\(server.baseURL)/post", json: item).decode(Echo.self)
                #expect(echo.headers["content-type"] == "application/json")
                let sent = try HTTPResponse(url: "", status: .ok, body: Array((echo.data ?? "").utf8)).decode(Item.self)
                #expect(sent == item)
            }
        }
    }

    @Test("post(form:) sends the fields percent-encoded as application/x-www-form-urlencoded, in order")
    func form() async throws {
        try await withTestServer { server in
            try await withHTTPSession { session throws in
                let echo = try await session.post(
                    "\(server.baseURL)/post", form: [("q", "swift & nio"), ("a+b", "1=2"), ("é", "~/*"), ("q", "")]
                ).decode(Echo.self)
                #expect(echo.headers["content-type"] == "application/x-www-form-urlencoded")
                #expect(echo.data == "q=swift+%26+nio&a%2Bb=1%3D2&%C3%A9=%7E%2F*&q=")
            }
        }
    }

    @Test("request(body:) sends an HTTPRequestBody with any method; a Content-Type of the caller's wins")
    func requestBody() async throws {
        try await withTestServer { server in
            try await withHTTPSession { session throws in
                let body = HTTPRequestBody.form([("k", "v")])
                let echo = try await session.request(.POST, "\(server.baseURL)/post", headers: ["Content-Type": "text/x-mine"], body: body)
                    .decode(Echo.self)
                #expect(echo.headers["content-type"] == "text/x-mine")
                #expect(echo.data == "k=v")
            }
        }
    }

    @Test("a value JSONEncoder rejects throws unencodableBody before anything is sent")
    func unencodable() async throws {
        try await withHTTPSession { session in
            do throws(HTTPError) {
                _ = try await session.post("http://127.0.0.1:\(closedPort())/post", json: Double.nan)
                Issue.record("NaN was encoded")
            } catch {
                guard case .unencodableBody = error else {
                    Issue.record("expected unencodableBody, got \(error)")
                    return
                }
            }
        }
    }
}
