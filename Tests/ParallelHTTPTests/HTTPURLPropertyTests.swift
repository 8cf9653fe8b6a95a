import PropertyBased
import Testing
import ParallelHTTP
import ParallelTestServer

/// One part of a generated URL and whether a valid URL may have it.
struct URLPart: Sendable, CustomStringConvertible {
    let text: String
    let valid: Bool
    var description: String { text }
}

/// A generator of one of `parts`.
func partGenerator(_ parts: [URLPart]) -> Generator<URLPart, Shrink.None<URLPart?>> {
    Gen<URLPart?>.element(of: parts).map { $0 ?? URLPart(text: "", valid: false) }
}

@Suite("Property: the session never crashes on a URL, and rejects exactly the bad ones", .timeLimit(.minutes(2)))
struct HTTPURLPropertyTests {
    @Test("any URL made of good and bad schemes, hosts, ports and paths either is requested or throws badURL")
    func generatedURLs() async throws {
        try await withTestServer { server in
            let schemes = [("http", true), ("https", true), ("HTTP", true), ("ftp", false), ("", false), ("unix", false),
                           ("http+unix", false), ("ws", false)].map { URLPart(text: $0.0, valid: $0.1) }
            let hosts = [("127.0.0.1", true), ("localhost", true), ("[::1]", true), ("user:pw@127.0.0.1", true),
                         ("", false), ("a b", false), ("%00", false), ("ünï.invalid", true)].map { URLPart(text: $0.0, valid: $0.1) }
            let ports = [(":\(server.port)", true), (":\(closedPort())", true), ("", true), (":", true), (":65535", true),
                         (":0", false), (":65536", false), (":99999", false), (":-1", false), (":8a", false),
                         (":99999999999999999999999", false), (":\(server.port + 65536)", false)].map { URLPart(text: $0.0, valid: $0.1) }
            let paths = ["", "/", "/get", "/get?q=1", "/get#fragment", "/redirect/1", "/%zz"].map { URLPart(text: $0, valid: true) }
            let urls = zip(partGenerator(schemes), partGenerator(hosts), partGenerator(ports), partGenerator(paths))
            let configuration = HTTPSessionConfiguration(timeouts: HTTPTimeouts(connect: .seconds(2), total: .seconds(5)))
            try await withHTTPSession(configuration: configuration) { session throws in
                await propertyCheck(count: 300, input: urls) { scheme, host, port, path in
                    let url = "\(scheme.text)://\(host.text)\(port.text)\(path.text)"
                    let valid = scheme.valid && host.valid && port.valid
                    do throws(HTTPError) {
                        _ = try await session.get(url)
                    } catch .badURL(let named, let reason) {
                        #expect(!valid, "\(url) is valid but was rejected: \(reason)")
                        #expect(named == url)
                    } catch {
                        #expect(valid, "\(url) is invalid but was tried: \(error)")
                    }
                }
                // Whatever came before, the session still works.
                #expect(try await session.get("\(server.baseURL)/get").status == .ok)
            }
        }
    }
}
