import Hummingbird
import ServiceLifecycle

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension TestServer {
    /// The routes that exercise what a client does for its user: redirects anywhere, basic auth,
    /// compressed bodies, cookies.
    static func addClientRoutes(to router: Router<BasicRequestContext>) {
        // `/redirect-to?url=U&status=302`: answers `status` (300…399, default 302) with `Location: U`.
        let redirectTo: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            let query = request.uri.queryParameters
            guard let location = query.get("url") else {
                throw HTTPError(.badRequest, message: "give the target as ?url=…")
            }
            let status = query.get("status", as: Int.self).flatMap { (300...399).contains($0) ? $0 : nil } ?? 302
            return Response(status: .init(code: status), headers: [.location: location])
        }
        for method in [HTTPRequest.Method.get, .post, .put, .delete, .head] {
            router.on("/redirect-to", method: method, use: redirectTo)
        }

        // `/basic-auth/{user}/{password}`: 200 with `{"authenticated": true, "user": …}` for exactly those
        // credentials in `Authorization: Basic …`, else 401 with `WWW-Authenticate`.
        router.get("/basic-auth/:user/:password") { request, context in
            let user = try context.parameters.require("user")
            let password = try context.parameters.require("password")
            let expected = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
            guard request.headers[.authorization] == expected else {
                return Response(status: .unauthorized, headers: [.wwwAuthenticate: #"Basic realm="test""#])
            }
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"authenticated": true, "user": "\#(user)"}"#))
            )
        }

        // `/gzip`, `/deflate`: a JSON body with that `Content-Encoding`; `/gzip-bomb`: 2 MiB of zeros in 2 KiB.
        for (path, encoding, bytes) in [
            ("/gzip", "gzip", TestServerPayloads.gzipJSON),
            ("/deflate", "deflate", TestServerPayloads.deflateJSON),
            ("/gzip-bomb", "gzip", TestServerPayloads.gzipBomb),
        ] {
            router.get(RouterPath(path)) { _, _ in
                Response(
                    status: .ok,
                    headers: [.contentType: path == "/gzip-bomb" ? "application/octet-stream" : "application/json",
                              .contentEncoding: encoding],
                    body: .init(byteBuffer: ByteBuffer(bytes: bytes))
                )
            }
        }

        // `/drip/{n}?delay=S`: `n` chunks of one line each, `S` seconds apart (at most 10 s in all).
        router.get("/drip/:n") { request, context in
            let count = try context.parameters.require("n", as: Int.self)
            let delay = request.uri.queryParameters.get("delay", as: Double.self) ?? 0.1
            guard (0...maxLines).contains(count), delay.isFinite, delay >= 0, delay * Double(count) <= maxDelaySeconds else {
                throw HTTPError(.badRequest, message: "n must be 0…\(maxLines) and n × delay at most \(maxDelaySeconds) s")
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain"],
                body: ResponseBody { writer in
                    for index in 0..<count {
                        try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(delay)) }
                        try await writer.write(ByteBuffer(string: "\(index)\n"))
                    }
                    try await writer.finish(nil)
                }
            )
        }

        // `/cookies`: the cookies received, as JSON `{"cookies": {name: value}}`.
        router.get("/cookies") { request, _ in
            var cookies: [String: String] = [:]
            for header in request.headers[values: .cookie] {
                for pair in header.split(separator: ";") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    let name = String(parts[0].drop(while: { $0 == " " }))
                    cookies[name] = parts.count == 2 ? String(parts[1]) : ""
                }
            }
            let json = try JSONEncoder().encode(["cookies": cookies])
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: json)))
        }
        // `/cookies/set?name=value&…`: sets each as a cookie with `Path=/` (plus `?max_age=N` as `Max-Age`,
        // `?expires=D` as `Expires`, `?domain=D` as `Domain`, `?secure` as `Secure`),
        // then redirects to `/cookies`, as httpbin does.
        router.get("/cookies/set") { request, _ in
            var headers: HTTPFields = [.location: "/cookies"]
            let query = request.uri.queryParameters
            let attributes = (query.get("max_age").map { "; Max-Age=\($0)" } ?? "")
                + (query.get("expires").map { "; Expires=\($0)" } ?? "")
                + (query.get("domain").map { "; Domain=\($0)" } ?? "")
                + (query.get("secure") != nil ? "; Secure" : "")
            for (name, value) in query where !["max_age", "expires", "domain", "secure"].contains(name) {
                headers.append(.init(name: .setCookie, value: "\(name)=\(value); Path=/\(attributes)"))
            }
            return Response(status: .found, headers: headers)
        }
        // `/cookies/delete?name&…`: expires each named cookie (`Max-Age=0`), then redirects to `/cookies`.
        router.get("/cookies/delete") { request, _ in
            var headers: HTTPFields = [.location: "/cookies"]
            for (name, _) in request.uri.queryParameters {
                headers.append(.init(name: .setCookie, value: "\(name)=; Path=/; Max-Age=0"))
            }
            return Response(status: .found, headers: headers)
        }
    }
}
