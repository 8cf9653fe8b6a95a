#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension HTTPSession {
    /// Sends any request with an ``HTTPRequestBody`` and returns the whole response; the body's
    /// `Content-Type` is sent unless `headers` has one.
    ///
    /// ```swift
    /// let body = HTTPRequestBody.form([("name", "x")])
    /// let response = try await session.request(.PUT, "\(base)/items/7", body: body)
    /// ```
    public func request(
        _ method: HTTPMethod,
        _ url: String,
        headers: HTTPHeaders = [:],
        body: HTTPRequestBody,
        basicAuth: HTTPBasicAuth? = nil
    ) async throws(HTTPError) -> HTTPResponse {
        var headers = headers
        if let contentType = body.contentType, !headers.contains(name: "content-type") {
            headers.add(name: "Content-Type", value: contentType)
        }
        return try await request(method, url, headers: headers, body: body.bytes, basicAuth: basicAuth)
    }

    /// POSTs `json` encoded as JSON with `Content-Type: application/json` (aiohttp's
    /// `session.post(url, json=value)`); a value the encoder rejects throws ``HTTPError/unencodableBody(_:)``.
    ///
    /// ```swift
    /// struct Item: Encodable { let name: String }
    /// let created = try await session.post("\(base)/post", json: Item(name: "x"))
    /// ```
    public func post<T: Encodable>(
        _ url: String,
        json: T,
        encoder: JSONEncoder = JSONEncoder(),
        headers: HTTPHeaders = [:],
        basicAuth: HTTPBasicAuth? = nil
    ) async throws(HTTPError) -> HTTPResponse {
        try await request(.POST, url, headers: headers, body: try .json(json, encoder: encoder), basicAuth: basicAuth)
    }

    /// POSTs `form` as `application/x-www-form-urlencoded`, in the order given (aiohttp's
    /// `session.post(url, data={...})`).
    ///
    /// ```swift
    /// let response = try await session.post("\(base)/post", form: [("q", "swift & nio"), ("page", "2")])
    /// ```
    public func post(
        _ url: String,
        form: [(String, String)],
        headers: HTTPHeaders = [:],
        basicAuth: HTTPBasicAuth? = nil
    ) async throws(HTTPError) -> HTTPResponse {
        try await request(.POST, url, headers: headers, body: .form(form), basicAuth: basicAuth)
    }
}
