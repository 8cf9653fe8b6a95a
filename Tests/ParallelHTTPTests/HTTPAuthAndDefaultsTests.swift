import Testing
import ParallelHTTP
import ParallelTestServer

@Suite("Default headers and basic auth, as aiohttp sends them", .timeLimit(.minutes(1)))
struct HTTPAuthAndDefaultsTests {
    @Test("User-Agent: Parallel/<version> and Accept: */* go with every request unless the caller sets them")
    func defaultHeaders() async throws {
        try await withTestServer { server in
            try await withHTTPSession { session throws in
                let echo = try await session.get("\(server.baseURL)/get").decode(Echo.self)
                #expect(echo.headers["user-agent"] == "Parallel/\(HTTPSessionConfiguration.packageVersion)")
                #expect(echo.headers["accept"] == "*/*")
                let own = try await session.get("\(server.baseURL)/get", headers: ["user-agent": "mine/1", "Accept": "text/plain"])
                    .decode(Echo.self)
                #expect(own.headers["user-agent"] == "mine/1")
                #expect(own.headers["accept"] == "text/plain")
            }
            try await withHTTPSession(configuration: HTTPSessionConfiguration(headers: ["User-Agent": "session/2"])) { session in
                let echo = try await session.get("\(server.baseURL)/get").decode(Echo.self)
                #expect(echo.headers["user-agent"] == "session/2")
            }
        }
    }

    @Test("credentials in the URL become basic auth and are not sent in the URL")
    func credentialsInURL() async throws {
        try await withTestServer { server in
            try await withHTTPSession { session throws in
                let url = "http://ada:s%3Acret@127.0.0.1:\(server.port)/basic-auth/ada/s:cret"
                let response = try await session.get(url)
                #expect(response.status == .ok)
                #expect(response.url == "\(server.baseURL)/basic-auth/ada/s:cret")
                let wrong = try await session.get("http://ada:nope@127.0.0.1:\(server.port)/basic-auth/ada/secret")
                #expect(wrong.status == .unauthorized)
                let none = try await session.get("\(server.baseURL)/basic-auth/ada/secret")
                #expect(none.status == .unauthorized)
            }
        }
    }

    @Test("basicAuth on the session and per request authenticate; the request's wins")
    func basicAuthOption() async throws {
        try await withTestServer { server in
            let url = "\(server.baseURL)/basic-auth/ada/secret"
            let configuration = HTTPSessionConfiguration(basicAuth: HTTPBasicAuth(username: "ada", password: "secret"))
            try await withHTTPSession(configuration: configuration) { session throws in
                #expect(try await session.get(url).status == .ok)
                #expect(try await session.get(url, basicAuth: HTTPBasicAuth(username: "ada", password: "wrong")).status == .unauthorized)
            }
            try await withHTTPSession { session throws in
                #expect(try await session.get(url, basicAuth: HTTPBasicAuth(username: "ada", password: "secret")).status == .ok)
                let streamed = try await session.stream(.GET, url, basicAuth: HTTPBasicAuth(username: "ada", password: "secret")) {
                    $0.status
                }
                #expect(streamed == .ok)
            }
        }
    }

    @Test("credentials follow a redirect on the same origin, but not to another one")
    func credentialsAcrossRedirects() async throws {
        try await withTestServer { server in
            try await withTestServer { other in
                try await withHTTPSession { session throws in
                    let auth = HTTPBasicAuth(username: "ada", password: "secret")
                    let same = try await session.get("\(server.baseURL)/redirect-to?url=/basic-auth/ada/secret", basicAuth: auth)
                    #expect(same.status == .ok)
                    let away = try await session.get(
                        "\(server.baseURL)/redirect-to?url=\(other.baseURL)/basic-auth/ada/secret", basicAuth: auth
                    )
                    #expect(away.status == .unauthorized)
                }
            }
        }
    }
}
