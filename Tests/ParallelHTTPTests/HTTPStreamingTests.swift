import Testing
import ParallelHTTP
import ParallelTestServer

@Suite("Streaming bodies and body limits", .timeLimit(.minutes(1)))
struct HTTPStreamingTests {
    @Test("stream hands over a chunked body as it arrives: all n JSON lines, in order")
    func streamLines() async throws {
        try await withTestServer { server in
            try await withHTTPSession { session in
                let text = try await session.stream(.GET, "\(server.baseURL)/stream/50") { response in
                    #expect(response.status == .ok)
                    #expect(response.headers.first(name: "transfer-encoding") == "chunked")
                    return String(decoding: try await response.body.collect(), as: UTF8.self)
                }
                let lines = text.split(separator: "\n")
                #expect(lines.count == 50)
                #expect(lines.first == #"{"id": 0}"#)
                #expect(lines.last == #"{"id": 49}"#)
            }
        }
    }

    @Test("reading past maxBytes throws bodyTooLarge from the body's iterator")
    func streamLimit() async throws {
        try await withTestServer { server in
            try await withHTTPSession { session in
                await #expect(throws: HTTPError.bodyTooLarge(limit: 100)) {
                    try await session.stream(.GET, "\(server.baseURL)/bytes/100000", maxBytes: 100) { response in
                        var received = 0
                        for try await chunk in response.body { received += chunk.count }
                        Issue.record("read \(received) bytes past the limit")
                    }
                }
                // A body within the limit streams completely.
                let count = try await session.stream(.GET, "\(server.baseURL)/bytes/100", maxBytes: 100) { response in
                    try await response.body.collect().count
                }
                #expect(count == 100)
            }
        }
    }

    @Test("a buffered response larger than maxBodySize throws bodyTooLarge, with or without Content-Length")
    func bufferedLimit() async throws {
        try await withTestServer { server in
            try await withHTTPSession(configuration: HTTPSessionConfiguration(maxBodySize: 100)) { session in
                await #expect(throws: HTTPError.bodyTooLarge(limit: 100)) {
                    _ = try await session.get("\(server.baseURL)/bytes/1000")
                }
                await #expect(throws: HTTPError.bodyTooLarge(limit: 100)) {
                    _ = try await session.get("\(server.baseURL)/stream/100")
                }
                let within = try await session.get("\(server.baseURL)/bytes/100")
                #expect(within.body == (0..<100).map(UInt8.init))
            }
        }
    }

    @Test("stream raises for status before calling the handler when raiseForStatus is on")
    func streamRaisesForStatus() async throws {
        try await withTestServer { server in
            try await withHTTPSession(configuration: HTTPSessionConfiguration(raiseForStatus: true)) { session in
                let url = "\(server.baseURL)/status/500"
                await #expect(throws: HTTPError.status(code: 500, reason: "Internal Server Error", url: url)) {
                    try await session.stream(.GET, url) { _ in Issue.record("handler ran for a 500") }
                }
            }
        }
    }

    @Test("stream's total timeout bounds the whole stream, body included: a body that drips past it throws timeout(.total)")
    func totalTimeoutCoversBody() async throws {
        try await withTestServer { server in
            let configuration = HTTPSessionConfiguration(timeouts: HTTPTimeouts(total: .milliseconds(500)))
            try await withHTTPSession(configuration: configuration) { session throws in
                // 5 s of body: uncut, the call could not end before the bound below.
                let url = "\(server.baseURL)/drip/50?delay=0.1"
                let started = ContinuousClock.now
                await #expect(throws: HTTPError.timeout(.total, url: url)) {
                    try await session.stream(.GET, url) { response in
                        var lines = 0
                        for try await chunk in response.body { lines += chunk.count / 2 }
                        return lines
                    }
                }
                #expect(ContinuousClock.now - started < .seconds(4))
            }
            // Within the limit a streamed body arrives whole (a limit a loaded machine cannot miss).
            let roomy = HTTPSessionConfiguration(timeouts: HTTPTimeouts(total: .seconds(30)))
            try await withHTTPSession(configuration: roomy) { session throws in
                let quick = try await session.stream(.GET, "\(server.baseURL)/drip/3?delay=0.01") { try await $0.body.collect() }
                #expect(String(decoding: quick, as: UTF8.self) == "0\n1\n2\n")
            }
        }
    }
}
