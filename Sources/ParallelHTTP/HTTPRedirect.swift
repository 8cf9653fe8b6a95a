/// One redirect a request followed: who answered with it and where it led (an entry of aiohttp's
/// `response.history`).
///
/// ```swift
/// let response = try await session.get("\(base)/redirect/2")
/// for hop in response.history { print(hop.status.code, hop.url, "→", hop.location) }
/// print("final:", response.url)
/// ```
public struct HTTPRedirect: Sendable {
    /// The URL that answered with the redirect (without credentials).
    public var url: String
    /// The redirect's status: 301, 302, 303, 307 or 308.
    public var status: HTTPResponseStatus
    /// The redirect's headers (`Location`, any `Set-Cookie`…).
    public var headers: HTTPHeaders
    /// Where it led: its `Location`, resolved against ``url``.
    public var location: String

    /// Creates a record of a redirect, e.g. for a stand-in ``HTTPResponse`` in your own tests.
    ///
    /// ```swift
    /// let hop = HTTPRedirect(url: "http://x/old", status: .movedPermanently, location: "http://x/new")
    /// ```
    public init(url: String, status: HTTPResponseStatus, headers: HTTPHeaders = [:], location: String) {
        self.url = url
        self.status = status
        self.headers = headers
        self.location = location
    }

    /// Whether the session follows a response with `status` (when it has a `Location`).
    static func isFollowed(_ status: HTTPResponseStatus) -> Bool {
        [301, 302, 303, 307, 308].contains(status.code)
    }

    /// The method of the request a redirect with `status` leads to, as browsers and aiohttp do: 301, 302
    /// and 303 turn anything but GET and HEAD into a GET without body; 307 and 308 keep method and body.
    static func method(after status: HTTPResponseStatus, from method: HTTPMethod) -> HTTPMethod {
        guard [301, 302, 303].contains(status.code), method != .GET, method != .HEAD else { return method }
        return .GET
    }
}
