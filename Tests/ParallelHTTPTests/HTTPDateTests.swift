import NIOHTTP1
import Testing
@testable import ParallelHTTP

@Suite("Retry-After as an HTTP-date", .timeLimit(.minutes(1)))
struct HTTPDateTests {
    /// Sun, 06 Nov 1994 08:49:37 GMT, RFC 9110's example.
    static let example = 784_111_777

    @Test("IMF-fixdate and the obsolete RFC 850 and asctime forms name the same instant")
    func threeForms() {
        #expect(HTTPDate("Sun, 06 Nov 1994 08:49:37 GMT")?.secondsSince1970 == Self.example)
        #expect(HTTPDate("Sunday, 06-Nov-94 08:49:37 GMT")?.secondsSince1970 == Self.example)
        #expect(HTTPDate("Sun Nov  6 08:49:37 1994")?.secondsSince1970 == Self.example)
        #expect(HTTPDate("Thu, 01 Jan 1970 00:00:00 GMT")?.secondsSince1970 == 0)
        #expect(HTTPDate("Tue, 29 Feb 2028 23:59:59 GMT")?.secondsSince1970 == 1_835_481_599)
    }

    @Test("anything else is not a date", arguments: [
        "", "soon", "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 32 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:49 GMT", "Sun, 06 Nov 199 08:49:37 GMT",
    ])
    func notDates(_ text: String) {
        #expect(HTTPDate(text) == nil)
    }

    @Test("a date waits until then (capped), a past date not at all, seconds still work")
    func retryAfterDates() {
        let policy = HTTPRetryPolicy(maxRetryAfter: .seconds(60))
        let now = Double(Self.example)
        func headers(_ value: String) -> HTTPHeaders { HTTPHeaders([("Retry-After", value)]) }
        #expect(policy.retryAfter(headers("Sun, 06 Nov 1994 08:50:07 GMT"), now: now) == .seconds(30))
        #expect(policy.retryAfter(headers("Sun, 06 Nov 1994 08:49:07 GMT"), now: now) == .zero)
        #expect(policy.retryAfter(headers("Sun, 06 Nov 1994 10:00:00 GMT"), now: now) == .seconds(60))
        #expect(policy.retryAfter(headers(" 7 "), now: now) == .seconds(7))
        #expect(policy.retryAfter(headers("tomorrow"), now: now) == nil)
        #expect(policy.retryAfter(HTTPHeaders(), now: now) == nil)
    }
}
