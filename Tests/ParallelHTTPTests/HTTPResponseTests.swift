import Testing
import ParallelHTTP

@Suite("HTTPResponse: charset-aware text and JSON decoding", .timeLimit(.minutes(1)))
struct HTTPResponseTests {
    private func response(_ contentType: String?, _ bytes: [UInt8]) -> HTTPResponse {
        var headers = HTTPHeaders()
        if let contentType { headers.add(name: "Content-Type", value: contentType) }
        return HTTPResponse(url: "http://x/", status: .ok, headers: headers, body: bytes)
    }

    @Test("without a charset the body is read as UTF-8")
    func utf8Default() throws {
        #expect(try response("text/plain", Array("café ☕".utf8)).text() == "café ☕")
        #expect(try response(nil, Array("plain".utf8)).text() == "plain")
    }

    @Test("charset=ISO-8859-1 (any case, quoted or not) reads each byte as one character")
    func latin1() throws {
        let bytes: [UInt8] = [0x63, 0x61, 0x66, 0xE9]
        #expect(try response("text/html; charset=ISO-8859-1", bytes).text() == "café")
        #expect(try response("text/html;charset=\"latin1\"", bytes).text() == "café")
        #expect(response("text/html; Charset=ISO-8859-1", bytes).charset == "iso-8859-1")
    }

    @Test("UTF-16 honours the byte-order mark, and the LE/BE names")
    func utf16() throws {
        #expect(try response("text/plain; charset=utf-16", [0xFF, 0xFE, 0x68, 0x00, 0x69, 0x00]).text() == "hi")
        #expect(try response("text/plain; charset=utf-16be", [0x00, 0x68, 0x00, 0x69]).text() == "hi")
        #expect(try response("text/plain; charset=utf-16le", [0x68, 0x00, 0x69, 0x00]).text() == "hi")
    }

    @Test("invalid UTF-8 becomes U+FFFD instead of failing")
    func invalidBytes() throws {
        #expect(try response("text/plain; charset=utf-8", [0x61, 0xFF, 0x62]).text() == "a\u{FFFD}b")
    }

    @Test("an unknown charset throws undecodableBody naming it")
    func unknownCharset() {
        let error = #expect(throws: HTTPError.self) { try response("text/plain; charset=klingon", [0x61]).text() }
        guard case .undecodableBody(let detail) = error else {
            Issue.record("expected undecodableBody, got \(String(describing: error))")
            return
        }
        #expect(detail.contains("klingon"))
    }

    @Test("decode reads JSON as a Decodable, and a mismatch throws undecodableBody")
    func decode() throws {
        struct Point: Decodable, Equatable { let x: Int; let y: Int }
        #expect(try response("application/json", Array(#"{"x": 1, "y": 2}"#.utf8)).decode(Point.self) == Point(x: 1, y: 2))
        let error = #expect(throws: HTTPError.self) { try response("application/json", Array("[]".utf8)).decode(Point.self) }
        guard case .undecodableBody = error else {
            Issue.record("expected undecodableBody, got \(String(describing: error))")
            return
        }
    }
}
