import Parallel
import ParallelHTTP
import Testing

/// A configuration out of range and the message the session refuses it with.
struct InvalidConfiguration: Sendable, CustomStringConvertible {
    let description: String
    let message: String
    let configuration: HTTPSessionConfiguration

    init(_ description: String, _ message: String, _ change: (inout HTTPSessionConfiguration) -> Void) {
        self.description = description
        self.message = message
        var configuration = HTTPSessionConfiguration()
        change(&configuration)
        self.configuration = configuration
    }
}

@Suite("HTTPSession: invalid arguments", .timeLimit(.minutes(1)))
struct HTTPArgumentTests {
    static let configurations: [InvalidConfiguration] = [
        InvalidConfiguration("maxConnections: 0", "configuration.maxConnections must be at least 1 (got 0)") {
            $0.maxConnections = 0
        },
        InvalidConfiguration("maxConnectionsPerHost: 0", "configuration.maxConnectionsPerHost must be at least 1 (got 0)") {
            $0.maxConnectionsPerHost = 0
        },
        InvalidConfiguration("timeouts.connect: 0 s", "configuration.timeouts.connect must be more than zero (got 0.0 seconds)") {
            $0.timeouts.connect = .zero
        },
        InvalidConfiguration("timeouts.read: -1 s", "configuration.timeouts.read must be more than zero (got -1.0 seconds)") {
            $0.timeouts.read = .seconds(-1)
        },
        InvalidConfiguration("timeouts.total: -1 s", "configuration.timeouts.total must be more than zero (got -1.0 seconds)") {
            $0.timeouts.total = .seconds(-1)
        },
        InvalidConfiguration("maxRedirects: -1", "configuration.maxRedirects must be at least 0 (got -1)") {
            $0.maxRedirects = -1
        },
        InvalidConfiguration("retry.maxAttempts: 0", "configuration.retry.maxAttempts must be at least 1 (got 0)") {
            $0.retry = HTTPRetryPolicy(maxAttempts: 0)
        },
        InvalidConfiguration("retry.maxRetryAfter: -1 s", "configuration.retry.maxRetryAfter must be zero or more (got -1.0 seconds)") {
            $0.retry = HTTPRetryPolicy(maxRetryAfter: .seconds(-1))
        },
        InvalidConfiguration("maxBodySize: -1", "configuration.maxBodySize must be at least 0 (got -1)") {
            $0.maxBodySize = -1
        },
        InvalidConfiguration("maxDecompressedSize: -1", "configuration.maxDecompressedSize must be at least 0 (got -1)") {
            $0.maxDecompressedSize = -1
        },
    ]

    @Test("a session with a field out of range is refused at creation, naming the field, the value and the range",
          arguments: configurations)
    func refusedConfiguration(_ invalid: InvalidConfiguration) async {
        let error = #expect(throws: InvalidArgumentError.self) { _ = try HTTPSession(configuration: invalid.configuration) }
        #expect(error?.description == invalid.message)
        let scoped = await #expect(throws: InvalidArgumentError.self) {
            try await withHTTPSession(configuration: invalid.configuration) { _ in _ = Issue.record("the body ran") }
        }
        #expect(scoped?.description == invalid.message)
    }

    @Test("fetchAll refuses maxConcurrent below 1 and stream a negative maxBytes, before any request")
    func refusedCalls() async throws {
        let session = try HTTPSession()
        let fetch = await #expect(throws: InvalidArgumentError.self) {
            _ = try await session.fetchAll(["http://127.0.0.1:9/"], maxConcurrent: 0)
        }
        #expect(fetch?.description == "maxConcurrent must be at least 1 (got 0)")
        let stream = await #expect(throws: InvalidArgumentError.self) {
            try await session.stream(.GET, "http://127.0.0.1:9/", maxBytes: -1) { _ in _ = Issue.record("a request was sent") }
        }
        #expect(stream?.description == "maxBytes must be at least 0 (got -1)")
        let free = await #expect(throws: InvalidArgumentError.self) {
            _ = try await fetchAll(["http://127.0.0.1:9/"], maxConcurrent: -1)
        }
        #expect(free?.description == "maxConcurrent must be at least 1 (got -1)")
        await session.shutdown()
    }
}
