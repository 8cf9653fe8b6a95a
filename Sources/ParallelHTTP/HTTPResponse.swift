#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A complete HTTP response: status, headers and the whole body in memory (aiohttp's
/// `ClientResponse` after `await response.read()`).
///
/// Returned by ``HTTPSession/get(_:headers:basicAuth:)`` and friends once the last byte has arrived, so it holds
/// no connection: keep it as long as you like. For large bodies use ``HTTPSession/stream(_:_:headers:body:basicAuth:maxBytes:isolation:_:)``.
///
/// ```swift
/// let response = try await session.get("\(base)/get")
/// print(response.status.code, response.headers.first(name: "content-type") ?? "")
/// let text = try response.text()
/// ```
public struct HTTPResponse: Sendable {
    /// The URL that answered with this response: after redirects, without credentials (aiohttp's
    /// `response.url`).
    public var url: String
    /// The status, e.g. `.ok`; `status.code` is the number.
    public var status: HTTPResponseStatus
    /// The response headers; look names up case-insensitively with `headers.first(name:)` or `headers["name"]`.
    public var headers: HTTPHeaders
    /// The body's bytes, exactly as received.
    public var body: [UInt8]
    /// The redirects followed to get here, oldest first; empty when the first answer was final
    /// (aiohttp's `response.history`). The URL first requested is `history.first?.url ?? url`.
    ///
    /// ```swift
    /// let response = try await session.get("\(base)/redirect/2")
    /// print(response.history.map(\.status.code), response.url)   // [302, 302] http://…/get
    /// ```
    public var history: [HTTPRedirect]

    /// Creates a response, e.g. as a stand-in in your own tests.
    ///
    /// ```swift
    /// let fake = HTTPResponse(url: "http://x/", status: .ok, headers: ["Content-Type": "text/plain"], body: Array("hi".utf8))
    /// ```
    public init(
        url: String,
        status: HTTPResponseStatus,
        headers: HTTPHeaders = [:],
        body: [UInt8] = [],
        history: [HTTPRedirect] = []
    ) {
        self.url = url
        self.status = status
        self.headers = headers
        self.body = body
        self.history = history
    }

    /// Whether the status is below 400 (aiohttp's `response.ok`).
    public var ok: Bool { status.code < 400 }

    /// The `charset` parameter of `Content-Type`, lower-cased, or `nil` when there is none.
    ///
    /// ```swift
    /// // Content-Type: text/html; charset=ISO-8859-1
    /// response.charset   // "iso-8859-1"
    /// ```
    public var charset: String? {
        guard let contentType = headers.first(name: "content-type") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingWhitespace().lowercased() == "charset" else { continue }
            let value = pair[1].trimmingWhitespace()
            return String(value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2
                ? value.dropFirst().dropLast() : value).lowercased()
        }
        return nil
    }

    /// The body as text in the `Content-Type`'s charset, UTF-8 when none is given (aiohttp's
    /// `await response.text()`).
    ///
    /// Understands UTF-8, US-ASCII, ISO-8859-1 (Latin-1) and UTF-16 (with or without byte-order mark,
    /// LE and BE), without Foundation. Bytes that are not valid in the charset
    /// become U+FFFD rather than failing; an unknown charset throws ``HTTPError/undecodableBody(_:)``.
    ///
    /// ```swift
    /// let html = try response.text()
    /// ```
    public func text() throws(HTTPError) -> String {
        switch charset ?? "utf-8" {
        case "utf-8", "utf8":
            return String(decoding: body, as: UTF8.self)
        case "us-ascii", "ascii", "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1":
            var text = String.UnicodeScalarView()
            text.append(contentsOf: body.map { Unicode.Scalar($0) })
            return String(text)
        case "utf-16", "utf16":
            return decodeUTF16(bigEndianByDefault: true)
        case "utf-16le":
            return decodeUTF16(bigEndianByDefault: false, skipMark: false)
        case "utf-16be":
            return decodeUTF16(bigEndianByDefault: true, skipMark: false)
        case let other:
            throw .undecodableBody(
                "charset '\(other)' is not supported; read response.body and decode it yourself"
            )
        }
    }

    /// The body decoded from JSON as `T` (aiohttp's `await response.json()`, typed).
    ///
    /// ```swift
    /// struct Echo: Decodable { let method: String; let path: String }
    /// let echo = try response.decode(Echo.self)
    /// ```
    public func decode<T: Decodable>(_ type: T.Type = T.self, using decoder: JSONDecoder = JSONDecoder()) throws(HTTPError) -> T {
        do {
            return try decoder.decode(T.self, from: Data(body))
        } catch {
            throw .undecodableBody("the body from \(url) is not JSON for \(T.self): \(error)")
        }
    }

    private func decodeUTF16(bigEndianByDefault: Bool, skipMark: Bool = true) -> String {
        var bigEndian = bigEndianByDefault
        var bytes = body[...]
        if skipMark, bytes.count >= 2 {
            if bytes.starts(with: [0xFE, 0xFF]) { bigEndian = true; bytes = bytes.dropFirst(2) }
            else if bytes.starts(with: [0xFF, 0xFE]) { bigEndian = false; bytes = bytes.dropFirst(2) }
        }
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var index = bytes.startIndex
        while index + 1 < bytes.endIndex {
            let (first, second) = (UInt16(bytes[index]), UInt16(bytes[index + 1]))
            units.append(bigEndian ? first << 8 | second : second << 8 | first)
            index += 2
        }
        if index < bytes.endIndex { units.append(0xFFFD) }
        return String(decoding: units, as: UTF16.self)
    }
}
