import Testing
import ParallelHTTP
import ParallelTestServer

/// URLs no request may be made to, each with a word its `badURL` reason must contain.
let badURLs: [(url: String, reason: String)] = [
    ("http://127.0.0.1:99999/", "port"),
    ("http://localhost:99999/", "port"),
    ("http://127.0.0.1:0/", "port"),
    ("http://127.0.0.1:65536/", "port"),
    ("http://127.0.0.1:-1/", "port"),
    ("http://127.0.0.1:99999999999999999999999/", "port"),
    ("ftp://127.0.0.1/", "scheme"),
    ("unix:///tmp/socket", "scheme"),
    ("http+unix://%2Ftmp%2Fsocket/", "scheme"),
    ("http:///get", "host"),
    ("127.0.0.1:8080/get", "URL"),
    ("", "URL"),
]

/// Whether `error` is `badURL` for `url` with a reason mentioning `word`.
func isBadURL(_ error: HTTPError, _ url: String, _ word: String) -> Bool {
    guard case .badURL(let named, let reason) = error else { return false }
    return named == url && reason.contains(word)
}

@Suite("Every URL is validated before it is used: a bad one is badURL, never a crash", .timeLimit(.minutes(1)))
struct HTTPURLValidationTests {
    @Test("get throws badURL naming the URL and what is wrong", arguments: badURLs)
    func getRejects(_ bad: (url: String, reason: String)) async throws {
        try await withHTTPSession { session in
            do throws(HTTPError) {
                let response = try await session.get(bad.url)
                Issue.record("\(bad.url) answered \(response.status)")
            } catch {
                #expect(isBadURL(error, bad.url, bad.reason), "\(error)")
            }
        }
    }

    @Test("stream throws badURL before calling its handler", arguments: badURLs)
    func streamRejects(_ bad: (url: String, reason: String)) async throws {
        try await withHTTPSession { session in
            do {
                try await session.stream(.GET, bad.url) { _ in Issue.record("the handler ran for \(bad.url)"); return }
                Issue.record("\(bad.url) did not throw")
            } catch let error as HTTPError {
                #expect(isBadURL(error, bad.url, bad.reason), "\(error)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test("in fetchAll each bad URL is its own failure and the good ones still succeed")
    func fetchAllKeepsGoing() async throws {
        try await withTestServer { server in
            let urls = [server.baseURL + "/get"] + badURLs.map(\.url) + [server.baseURL + "/status/201"]
            let batch = try await fetchAll(urls)
            let (first, last) = (try batch.results[0].get(), try batch.results[urls.count - 1].get())
            #expect(first.status == .ok)
            #expect(last.status == .created)
            for (index, bad) in badURLs.enumerated() {
                guard case .failure(let error) = batch.results[index + 1] else {
                    Issue.record("\(bad.url) succeeded")
                    continue
                }
                #expect(isBadURL(error, bad.url, bad.reason), "\(error)")
            }
        }
    }

    @Test("a redirect to a bad port, scheme or host is badURL naming the Location and the redirecting URL")
    func redirectToBadURL() async throws {
        try await withTestServer { server in
            try await withHTTPSession { session in
                for location in ["http://127.0.0.1:99999/", "http://localhost:65536/x", "http://127.0.0.1:0/", "ftp://127.0.0.1/"] {
                    let url = "\(server.baseURL)/redirect-to?url=\(location)"
                    await #expect(throws: HTTPError.self) { _ = try await session.get(url) }
                    do throws(HTTPError) {
                        _ = try await session.get(url)
                    } catch {
                        guard case .badURL(location, let reason) = error else {
                            Issue.record("expected badURL for \(location), got \(error)")
                            continue
                        }
                        #expect(reason.contains("redirect from \(url)"), "\(reason)")
                    }
                    do {
                        try await session.stream(.GET, url) { _ in Issue.record("the handler ran for \(location)"); return }
                    } catch let error as HTTPError {
                        guard case .badURL(location, _) = error else {
                            Issue.record("expected badURL for \(location) from stream, got \(error)")
                            continue
                        }
                    }
                }
                // The session is still fine afterwards.
                #expect(try await session.get("\(server.baseURL)/get").status == .ok)
            }
        }
    }
}
