import Parallel
import Testing
import ParallelHTTP
import ParallelTestServer

@Suite("HTTP retries: idempotent requests only, honouring Retry-After", .timeLimit(.minutes(1)))
struct HTTPRetryTests {
    /// A policy whose backoff has no jitter, so the recorded waits are exact.
    /// 100 ms, doubling, without jitter, so the waits are exact.
    static var exactBackoff: Backoff {
        get throws { try Backoff(initial: .milliseconds(100), multiplier: 2, maximum: .seconds(10), jitter: 0) }
    }

    @Test("a 503 with Retry-After is retried after the server's delay until it succeeds")
    func retryAfterHonoured() async throws {
        try await withTestServer { server in
            let clock = RecordingClock()
            let configuration = HTTPSessionConfiguration(retry: HTTPRetryPolicy(maxAttempts: 4, backoff: try Self.exactBackoff))
            try await withHTTPSession(configuration: configuration, clock: clock) { session in
                let response = try await session.get("\(server.baseURL)/flaky/a?failures=2&status=503&retry_after=1")
                #expect(response.status == .ok)
                #expect(try response.text() == #"{"attempts": 3}"#)
            }
            #expect(server.attempts(forKey: "a") == 3)
            #expect(clock.sleeps == [.seconds(1), .seconds(1)])
        }
    }

    @Test("a 429 without Retry-After waits the exponential backoff between attempts")
    func backoffWithoutRetryAfter() async throws {
        try await withTestServer { server in
            let clock = RecordingClock()
            let configuration = HTTPSessionConfiguration(retry: HTTPRetryPolicy(maxAttempts: 4, backoff: try Self.exactBackoff))
            try await withHTTPSession(configuration: configuration, clock: clock) { session in
                let response = try await session.get("\(server.baseURL)/flaky/b?failures=3&status=429")
                #expect(response.status == .ok)
            }
            #expect(server.attempts(forKey: "b") == 4)
            #expect(clock.sleeps == [.milliseconds(100), .milliseconds(200), .milliseconds(400)])
        }
    }

    @Test("a Retry-After longer than maxRetryAfter is shortened to it")
    func retryAfterCapped() async throws {
        try await withTestServer { server in
            let clock = RecordingClock()
            let policy = HTTPRetryPolicy(maxAttempts: 2, backoff: try Self.exactBackoff, maxRetryAfter: .seconds(2))
            try await withHTTPSession(configuration: HTTPSessionConfiguration(retry: policy), clock: clock) { session in
                _ = try await session.get("\(server.baseURL)/flaky/c?failures=1&retry_after=3600")
            }
            #expect(clock.sleeps == [.seconds(2)])
        }
    }

    @Test("after maxAttempts the last answer is returned, or thrown as a status error with raiseForStatus")
    func attemptsExhausted() async throws {
        try await withTestServer { server in
            let policy = HTTPRetryPolicy(maxAttempts: 3, backoff: try Self.exactBackoff)
            try await withHTTPSession(configuration: HTTPSessionConfiguration(retry: policy), clock: RecordingClock()) { session in
                let response = try await session.get("\(server.baseURL)/flaky/d?failures=10&status=502")
                #expect(response.status == .badGateway)
            }
            #expect(server.attempts(forKey: "d") == 3)
            let raising = HTTPSessionConfiguration(raiseForStatus: true, retry: policy)
            try await withHTTPSession(configuration: raising, clock: RecordingClock()) { session in
                let url = "\(server.baseURL)/flaky/e?failures=10&status=500"
                await #expect(throws: HTTPError.status(code: 500, reason: "Internal Server Error", url: url)) {
                    _ = try await session.get(url)
                }
            }
            #expect(server.attempts(forKey: "e") == 3)
        }
    }

    @Test("POST is never retried: it is not idempotent")
    func postNotRetried() async throws {
        try await withTestServer { server in
            let clock = RecordingClock()
            let configuration = HTTPSessionConfiguration(retry: HTTPRetryPolicy(maxAttempts: 5, backoff: try Self.exactBackoff))
            try await withHTTPSession(configuration: configuration, clock: clock) { session in
                let response = try await session.post("\(server.baseURL)/flaky/f?failures=1&retry_after=0", body: [])
                #expect(response.status == .serviceUnavailable)
            }
            #expect(server.attempts(forKey: "f") == 1)
            #expect(clock.sleeps.isEmpty)
        }
    }

    @Test("4xx other than 429 are not retried")
    func clientErrorsNotRetried() async throws {
        try await withTestServer { server in
            let clock = RecordingClock()
            let configuration = HTTPSessionConfiguration(retry: HTTPRetryPolicy(maxAttempts: 5, backoff: try Self.exactBackoff))
            try await withHTTPSession(configuration: configuration, clock: clock) { session in
                let response = try await session.get("\(server.baseURL)/flaky/g?failures=1&status=404")
                #expect(response.status == .notFound)
            }
            #expect(server.attempts(forKey: "g") == 1)
        }
    }

    @Test("a refused connection is retried with backoff, then reported as connectionRefused")
    func connectionErrorsRetried() async throws {
        let port = closedPort()
        let clock = RecordingClock()
        let configuration = HTTPSessionConfiguration(retry: HTTPRetryPolicy(maxAttempts: 3, backoff: try Self.exactBackoff))
        try await withHTTPSession(configuration: configuration, clock: clock) { session in
            await #expect(throws: HTTPError.connectionRefused(host: "127.0.0.1", port: port)) {
                _ = try await session.get("http://127.0.0.1:\(port)/get")
            }
        }
        #expect(clock.sleeps == [.milliseconds(100), .milliseconds(200)])
    }

    @Test("with the real clock, Retry-After: 0 retries at once")
    func realClockRetry() async throws {
        try await withTestServer { server in
            let configuration = HTTPSessionConfiguration(retry: .standard)
            try await withHTTPSession(configuration: configuration) { session in
                let response = try await session.get("\(server.baseURL)/flaky/h?failures=2&retry_after=0")
                #expect(response.status == .ok)
            }
            #expect(server.attempts(forKey: "h") == 3)
        }
    }
}
