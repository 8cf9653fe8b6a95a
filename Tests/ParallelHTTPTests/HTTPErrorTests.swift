import AsyncHTTPClient
import NIOCore
import Testing
@testable import ParallelHTTP
import ParallelTestServer

@Suite("HTTPError: each failure is reported as what happened", .timeLimit(.minutes(1)))
struct HTTPErrorTests {
    @Test("URLs without a host or with an unsupported scheme throw badURL", arguments: [
        "not a url", "http:///no-host", "ftp://127.0.0.1/file", "",
    ])
    func badURL(url: String) async throws {
        try await withHTTPSession { session in
            let error = await #expect(throws: HTTPError.self) { _ = try await session.get(url) }
            guard case .badURL(let reported, _) = error else {
                Issue.record("expected badURL, got \(String(describing: error))")
                return
            }
            #expect(reported == url)
        }
    }

    @Test("a closed loopback port throws connectionRefused with host and port")
    func connectionRefused() async throws {
        let port = closedPort()
        try await withHTTPSession { session in
            await #expect(throws: HTTPError.connectionRefused(host: "127.0.0.1", port: port)) {
                _ = try await session.get("http://127.0.0.1:\(port)/get")
            }
        }
    }

    @Test("a host under .invalid (RFC 6761: never resolves) throws dnsFailure")
    func dnsFailure() async throws {
        let configuration = HTTPSessionConfiguration(timeouts: HTTPTimeouts(connect: .seconds(5), total: .seconds(10)))
        try await withHTTPSession(configuration: configuration) { session in
            let error = await #expect(throws: HTTPError.self) { _ = try await session.get("http://parallel-test.invalid/get") }
            guard case .dnsFailure(let host, _) = error else {
                Issue.record("expected dnsFailure, got \(String(describing: error))")
                return
            }
            #expect(host == "parallel-test.invalid")
        }
    }

    @Test("https to a server that speaks plain HTTP fails the TLS handshake: tls")
    func tlsFailure() async throws {
        try await withTestServer { server in
            try await withHTTPSession { session in
                let error = await #expect(throws: HTTPError.self) {
                    _ = try await session.get("https://127.0.0.1:\(server.port)/get")
                }
                guard case .tls(let detail) = error else {
                    Issue.record("expected tls, got \(String(describing: error))")
                    return
                }
                // A message a person can act on: no dump of the build's source paths.
                #expect(!detail.contains("/") && !detail.contains(".cc"), "\(detail)")
                #expect(detail.count < 200, "\(detail)")
            }
        }
    }

    @Test("a server slower than the total timeout throws timeout(.total)")
    func totalTimeout() async throws {
        try await withTestServer { server in
            let configuration = HTTPSessionConfiguration(timeouts: HTTPTimeouts(total: .milliseconds(300)))
            try await withHTTPSession(configuration: configuration) { session in
                let url = "\(server.baseURL)/delay/3"
                await #expect(throws: HTTPError.timeout(.total, url: url)) { _ = try await session.get(url) }
            }
        }
    }

    @Test("a server silent for longer than the read timeout throws timeout(.read)")
    func readTimeout() async throws {
        try await withTestServer { server in
            let configuration = HTTPSessionConfiguration(timeouts: HTTPTimeouts(read: .milliseconds(300)))
            try await withHTTPSession(configuration: configuration) { session in
                let url = "\(server.baseURL)/delay/3"
                await #expect(throws: HTTPError.timeout(.read, url: url)) { _ = try await session.get(url) }
            }
        }
    }

    @Test("a listener whose accept queue is full never completes the handshake: timeout(.connect)")
    func connectTimeout() async throws {
        // backlog 0: the kernel queues one connection, then drops further SYNs (loopback only).
        let listener = LoopbackSocket(listenBacklog: 0)
        defer { listener.close() }
        let filler = LoopbackSocket(descriptor: LoopbackSocket.connect(to: listener.port))
        defer { filler.close() }
        let configuration = HTTPSessionConfiguration(timeouts: HTTPTimeouts(connect: .milliseconds(300), total: .seconds(10)))
        try await withHTTPSession(configuration: configuration) { session in
            let url = "http://127.0.0.1:\(listener.port)/get"
            await #expect(throws: HTTPError.timeout(.connect, url: url)) { _ = try await session.get(url) }
        }
    }

    @Test("AsyncHTTPClient's and NIO's errors map to the case that says what happened")
    func mapping() {
        let url = "http://h/"
        #expect(HTTPError.mapping(HTTPClientError.connectTimeout, url: url) == .timeout(.connect, url: url))
        #expect(HTTPError.mapping(HTTPClientError.readTimeout, url: url) == .timeout(.read, url: url))
        #expect(HTTPError.mapping(HTTPClientError.deadlineExceeded, url: url) == .timeout(.total, url: url))
        #expect(HTTPError.mapping(HTTPClientError.emptyHost, url: url) == .badURL(url, reason: "it has no host"))
        #expect(HTTPError.mapping(HTTPClientError.alreadyShutdown, url: url) == .sessionShutDown)
        #expect(HTTPError.mapping(CancellationError(), url: url) == .cancelled)
        #expect(HTTPError.mapping(NIOTooManyBytesError(maxBytes: 10), url: url) == .bodyTooLarge(limit: 10))
        #expect(HTTPError.mapping(ChannelError.connectTimeout(.seconds(1)), url: url) == .timeout(.connect, url: url))
    }

    @Test("every description says what happened and what to do")
    func descriptions() {
        #expect(HTTPError.connectionRefused(host: "h", port: 1).description.contains("is the server running"))
        #expect(HTTPError.timeout(.read, url: "u").description.contains("HTTPTimeouts.read"))
        #expect(HTTPError.bodyTooLarge(limit: 5).description.contains("maxBodySize"))
        #expect(HTTPError.status(code: 503, reason: "Service Unavailable", url: "u").description == "HTTP 503 Service Unavailable from u")
        #expect(HTTPError.dnsFailure(host: "x.invalid", detail: "d").description.contains("x.invalid"))
        #expect(HTTPError.decompressedBodyTooLarge(limit: 5).description.contains("maxDecompressedSize"))
        #expect(HTTPError.unencodableBody("d").description.contains("nothing was sent"))
    }
}
