#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A user name and password sent as HTTP Basic authentication (aiohttp's `BasicAuth`).
///
/// Give it for the whole session (``HTTPSessionConfiguration/basicAuth``), per request (the
/// `basicAuth:` argument of ``HTTPSession/request(_:_:headers:body:basicAuth:)-(_,_,_,[UInt8]?,_)``), or in the URL
/// (`http://user:password@host/`): the URL's credentials win, then the request's, then the session's; an
/// `Authorization` header of your own wins over all three. Like aiohttp, credentials are not sent to
/// another scheme, host or port a redirect leads to.
///
/// ```swift
/// let response = try await session.get("\(base)/basic-auth/ada/secret",
///                                      basicAuth: HTTPBasicAuth(username: "ada", password: "secret"))
/// ```
public struct HTTPBasicAuth: Sendable, Hashable {
    /// The user name; it must not contain `:`.
    public var username: String
    /// The password.
    public var password: String

    /// Creates credentials.
    ///
    /// ```swift
    /// let auth = HTTPBasicAuth(username: "ada", password: "secret")
    /// ```
    public init(username: String, password: String = "") {
        self.username = username
        self.password = password
    }

    /// The `Authorization` header's value: `Basic ` and the base64 of `username:password` in UTF-8.
    ///
    /// ```swift
    /// HTTPBasicAuth(username: "ada", password: "secret").headerValue   // "Basic YWRhOnNlY3JldA=="
    /// ```
    public var headerValue: String {
        "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }
}
