/// One request of a call to ``HTTPSession``: the first, or one a redirect leads to.
///
/// ```swift
/// let next = hop.redirected(to: try hop.url.resolving("/elsewhere"), method: .GET)
/// ```
struct HTTPHop: Sendable {
    var method: HTTPMethod
    var url: RequestURL
    /// The session's and the call's headers, without credentials.
    var headers: HTTPHeaders
    var body: [UInt8]?
    /// Sent as `Authorization` unless `headers` has one.
    var basicAuth: HTTPBasicAuth?

    /// The headers as sent: ``headers`` plus `Authorization` from ``basicAuth`` and the jar's `cookie`
    /// (after any `Cookie` of the caller's, in the same header).
    func requestHeaders(cookie: String?) -> HTTPHeaders {
        var sent = headers
        if let basicAuth, !sent.contains(name: "authorization") {
            sent.add(name: "Authorization", value: basicAuth.headerValue)
        }
        if let cookie {
            let own = sent["cookie"].joined(separator: "; ")
            sent.replaceOrAdd(name: "Cookie", value: own.isEmpty ? cookie : own + "; " + cookie)
        }
        return sent
    }

    /// The request to `target` with `method`: a change to GET drops the body and the headers that
    /// described it; another origin gets no credentials but its own URL's (as aiohttp).
    func redirected(to target: RequestURL, method: HTTPMethod) -> HTTPHop {
        var next = self
        next.url = target
        if method != self.method {
            next.method = method
            next.body = nil
            for name in ["content-type", "content-length", "transfer-encoding", "content-encoding"] {
                next.headers.remove(name: name)
            }
        }
        if !target.hasSameOrigin(as: url) {
            next.headers.remove(name: "authorization")
            next.basicAuth = target.credentials
        } else if let credentials = target.credentials {
            next.basicAuth = credentials
        }
        return next
    }
}
