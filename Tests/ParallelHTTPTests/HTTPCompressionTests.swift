import Testing
import ParallelHTTP
import ParallelTestServer

/// The JSON `/gzip` and `/deflate` answer with, once decoded.
struct CompressedEcho: Decodable {
    let gzipped: Bool?
    let deflated: Bool?
    let text: String
}

@Suite("Compressed responses are decoded, within a limit", .timeLimit(.minutes(1)))
struct HTTPCompressionTests {
    @Test("Accept-Encoding: gzip, deflate is sent, and gzip and deflate bodies arrive decoded")
    func decoded() async throws {
        try await withTestServer { server in
            try await withHTTPSession { session throws in
                let echo = try await session.get("\(server.baseURL)/get").decode(Echo.self)
                #expect(echo.headers["accept-encoding"] == "gzip, deflate")
                let gzip = try await session.get("\(server.baseURL)/gzip").decode(CompressedEcho.self)
                #expect(gzip.gzipped == true)
                #expect(gzip.text.hasPrefix("hello gzip"))
                let deflate = try await session.get("\(server.baseURL)/deflate").decode(CompressedEcho.self)
                #expect(deflate.deflated == true)
                let streamed = try await session.stream(.GET, "\(server.baseURL)/gzip") { try await $0.body.collect() }
                #expect(String(decoding: streamed, as: UTF8.self).contains("\"gzipped\": true"))
            }
        }
    }

    @Test("a body that inflates past maxDecompressedSize throws decompressedBodyTooLarge; within it, it arrives whole")
    func bomb() async throws {
        try await withTestServer { server in
            try await withHTTPSession(configuration: HTTPSessionConfiguration(maxDecompressedSize: 1 << 20)) { session throws in
                await #expect(throws: HTTPError.decompressedBodyTooLarge(limit: 1 << 20)) {
                    _ = try await session.get("\(server.baseURL)/gzip-bomb")
                }
                await #expect(throws: HTTPError.decompressedBodyTooLarge(limit: 1 << 20)) {
                    try await session.stream(.GET, "\(server.baseURL)/gzip-bomb") { _ = try await $0.body.collect() }
                }
                // The session goes on working.
                #expect(try await session.get("\(server.baseURL)/gzip").ok)
            }
            try await withHTTPSession { session throws in
                #expect(try await session.get("\(server.baseURL)/gzip-bomb").body.count == 2 << 20)
            }
        }
    }
}
