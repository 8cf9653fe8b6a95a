import Hummingbird
import ServiceLifecycle

/// The request as `/get` and `/delay` echo it.
struct RequestEcho: ResponseEncodable {
    let method: String
    let path: String
    let query: [String: String]
    let headers: [String: String]
    var data: String?

    init(_ request: Request, data: String? = nil) {
        method = request.method.rawValue
        path = request.uri.path
        var query: [String: String] = [:]
        for (name, value) in request.uri.queryParameters { query[String(name)] = String(value) }
        self.query = query
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        self.headers = headers
        self.data = data
    }
}

/// Counts requests in flight around every route.
struct InFlightMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let counters: ServerCounters

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        counters.update {
            $0.requests += 1
            $0.inFlight += 1
        }
        defer { counters.update { $0.inFlight -= 1 } }
        return try await next(request, context)
    }
}

extension TestServer {
    static let maxDelaySeconds = 10.0
    static let maxBytes = 64 << 20
    static let maxLines = 100_000

    static func makeRouter(counters: ServerCounters) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: InFlightMiddleware(counters: counters))

        router.get("/get") { request, _ in RequestEcho(request) }

        router.post("/post") { request, _ in
            let body = try await request.body.collect(upTo: maxBytes)
            return RequestEcho(request, data: String(buffer: body))
        }

        router.get("/delay/:seconds") { request, context in
            let seconds = try context.parameters.require("seconds", as: Double.self)
            guard seconds.isFinite, seconds >= 0 else {
                throw HTTPError(.badRequest, message: "delay must be a number of seconds ≥ 0")
            }
            // Shutdown cuts the wait short, so a client that gave up cannot hold the server open.
            try await cancelWhenGracefulShutdown {
                try await Task.sleep(for: .seconds(min(seconds, maxDelaySeconds)))
            }
            return RequestEcho(request)
        }

        router.get("/status/:code") { request, context in
            let code = try context.parameters.require("code", as: Int.self)
            guard (200...599).contains(code) else {
                throw HTTPError(.badRequest, message: "status must be 200…599")
            }
            var headers = HTTPFields()
            if let retryAfter = request.uri.queryParameters.get("retry_after") {
                headers[.retryAfter] = retryAfter
            }
            return Response(status: .init(code: code), headers: headers)
        }

        router.get("/bytes/:n") { _, context in
            let count = try context.parameters.require("n", as: Int.self)
            guard (0...maxBytes).contains(count) else {
                throw HTTPError(.badRequest, message: "n must be 0…\(maxBytes)")
            }
            let buffer = ByteBuffer(bytes: (0..<count).map { UInt8(truncatingIfNeeded: $0) })
            return Response(
                status: .ok,
                headers: [.contentType: "application/octet-stream"],
                body: .init(byteBuffer: buffer)
            )
        }

        router.get("/stream/:n") { _, context in
            let count = try context.parameters.require("n", as: Int.self)
            guard (0...maxLines).contains(count) else {
                throw HTTPError(.badRequest, message: "n must be 0…\(maxLines)")
            }
            return Response(
                status: .ok,
                headers: [.contentType: "application/x-ndjson"],
                body: ResponseBody { writer in
                    for index in 0..<count {
                        try await writer.write(ByteBuffer(string: "{\"id\": \(index)}\n"))
                    }
                    try await writer.finish(nil)
                }
            )
        }

        let flaky: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, context in
            let key = try context.parameters.require("key")
            let query = request.uri.queryParameters
            let failures = query.get("failures", as: Int.self) ?? 1
            let status = query.get("status", as: Int.self).flatMap { (200...599).contains($0) ? $0 : nil } ?? 503
            let attempt = counters.countAttempt(key)
            guard attempt > failures else {
                var headers = HTTPFields()
                if let retryAfter = query.get("retry_after") { headers[.retryAfter] = retryAfter }
                return Response(status: .init(code: status), headers: headers)
            }
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: "{\"attempts\": \(attempt)}"))
            )
        }
        router.get("/flaky/:key", use: flaky)
        router.post("/flaky/:key", use: flaky)

        router.get("/redirect/:n") { _, context in
            let count = try context.parameters.require("n", as: Int.self)
            let location = count > 1 ? "/redirect/\(count - 1)" : "/get"
            return Response(status: .found, headers: [.location: location])
        }
        addClientRoutes(to: router)
        return router
    }
}
