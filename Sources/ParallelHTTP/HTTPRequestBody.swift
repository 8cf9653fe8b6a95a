#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A request body with its `Content-Type`: JSON from any `Encodable`, an HTML form, or raw bytes
/// (aiohttp's `json=` and `data=`).
///
/// Pass it to ``HTTPSession/request(_:_:headers:body:basicAuth:)-(_,_,_,HTTPRequestBody,_)``, or use the shortcuts
/// ``HTTPSession/post(_:json:encoder:headers:basicAuth:)`` and ``HTTPSession/post(_:form:headers:basicAuth:)``.
/// A `Content-Type` header of your own replaces the body's.
///
/// ```swift
/// struct Item: Encodable { let name: String }
/// let body = try HTTPRequestBody.json(Item(name: "x"))
/// let response = try await session.request(.PUT, "\(base)/items/7", body: body)
/// ```
public struct HTTPRequestBody: Sendable, Hashable {
    /// The bytes sent.
    public var bytes: [UInt8]
    /// The `Content-Type` sent with them, if any.
    public var contentType: String?

    /// Raw bytes, with a `Content-Type` if given.
    ///
    /// ```swift
    /// let body = HTTPRequestBody(bytes: Array("hello".utf8), contentType: "text/plain; charset=utf-8")
    /// ```
    public init(bytes: [UInt8], contentType: String? = nil) {
        self.bytes = bytes
        self.contentType = contentType
    }

    /// `value` encoded as JSON, `Content-Type: application/json`; a value the encoder rejects throws
    /// ``HTTPError/unencodableBody(_:)``.
    ///
    /// ```swift
    /// let body = try HTTPRequestBody.json(["name": "x"])
    /// ```
    public static func json<T: Encodable>(_ value: T, encoder: JSONEncoder = JSONEncoder()) throws(HTTPError) -> HTTPRequestBody {
        do {
            return HTTPRequestBody(bytes: Array(try encoder.encode(value)), contentType: "application/json")
        } catch {
            throw .unencodableBody("\(T.self) could not be encoded as JSON: \(error)")
        }
    }

    /// The fields as an HTML form, `Content-Type: application/x-www-form-urlencoded`, in the order given
    /// (a name may repeat): `name=value&…`, each percent-encoded as browsers do (space as `+`).
    ///
    /// ```swift
    /// let body = HTTPRequestBody.form([("q", "swift & nio"), ("page", "2")])   // q=swift+%26+nio&page=2
    /// ```
    public static func form(_ fields: [(String, String)]) -> HTTPRequestBody {
        let text = fields.map { formEncoded($0.0) + "=" + formEncoded($0.1) }.joined(separator: "&")
        return HTTPRequestBody(bytes: Array(text.utf8), contentType: "application/x-www-form-urlencoded")
    }

    /// `text` in `application/x-www-form-urlencoded`: ASCII letters, digits and `*-._` as they are,
    /// space as `+`, every other UTF-8 byte as `%XX`.
    static func formEncoded(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "*"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                encoded += "+"
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                encoded.unicodeScalars.append(contentsOf: ["%", hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            }
        }
        return encoded
    }
}
