import AsyncHTTPClient
import NIOCore

/// A response whose body is still arriving: status and headers now, the body as ``HTTPBodyStream``.
///
/// Handed to the closure of ``HTTPSession/stream(_:_:headers:body:basicAuth:maxBytes:isolation:_:)`` and valid only
/// inside it (the closure holds the connection).
///
/// ```swift
/// try await session.stream(.GET, "\(base)/bytes/1000000") { response in
///     print(response.status.code)
///     for try await chunk in response.body { consume(chunk) }
/// }
/// ```
public struct HTTPStreamingResponse: Sendable {
    /// The URL that answered: after redirects, without credentials.
    public let url: String
    /// The status, e.g. `.ok`.
    public let status: HTTPResponseStatus
    /// The response headers.
    public let headers: HTTPHeaders
    /// The body, chunk by chunk as the network delivers it.
    public let body: HTTPBodyStream
    /// The redirects followed to get here, oldest first (see ``HTTPResponse/history``).
    public let history: [HTTPRedirect]
}

/// A response body as an `AsyncSequence` of byte chunks with a size limit (aiohttp's `StreamReader`).
///
/// Chunk boundaries are wherever the network put them. Iterating past the limit throws
/// ``HTTPError/bodyTooLarge(limit:)``; a broken connection or a read timeout throws the matching
/// ``HTTPError``. It can be iterated once.
///
/// ```swift
/// var total = 0
/// for try await chunk in response.body { total += chunk.count }
/// ```
public struct HTTPBodyStream: AsyncSequence, Sendable {
    /// A chunk of the body's bytes.
    public typealias Element = [UInt8]
    /// Reading throws only ``HTTPError``.
    public typealias Failure = HTTPError

    let base: HTTPClientResponse.Body
    let limit: Int
    let url: String
    let decompressionLimit: Int

    /// Reads the body chunk by chunk, counting bytes against the limit.
    ///
    /// ```swift
    /// var iterator = response.body.makeAsyncIterator()
    /// while let chunk = try await iterator.next() { print(chunk.count) }
    /// ```
    public struct AsyncIterator: AsyncIteratorProtocol {
        /// A chunk of the body's bytes.
        public typealias Element = [UInt8]
        /// Reading throws only ``HTTPError``.
        public typealias Failure = HTTPError

        var base: HTTPClientResponse.Body.AsyncIterator
        let limit: Int
        let url: String
        let decompressionLimit: Int
        var received = 0

        /// The next chunk, or `nil` at the end of the body; throws ``HTTPError/bodyTooLarge(limit:)`` once
        /// the bytes read exceed the limit.
        ///
        /// ```swift
        /// let first = try await iterator.next()
        /// ```
        public mutating func next() async throws(HTTPError) -> [UInt8]? {
            let chunk: ByteBuffer?
            do {
                chunk = try await base.next()
            } catch {
                throw HTTPError.mapping(error, url: url, decompressionLimit: decompressionLimit)
            }
            guard let chunk else { return nil }
            received += chunk.readableBytes
            guard received <= limit else { throw .bodyTooLarge(limit: limit) }
            return Array(chunk.readableBytesView)
        }
    }

    /// Starts reading the body; a body can be read once.
    ///
    /// ```swift
    /// var iterator = response.body.makeAsyncIterator()
    /// ```
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), limit: limit, url: url, decompressionLimit: decompressionLimit)
    }

    /// The rest of the body in one array, within the limit.
    ///
    /// ```swift
    /// let bytes = try await response.body.collect()
    /// ```
    public func collect() async throws(HTTPError) -> [UInt8] {
        var bytes: [UInt8] = []
        var iterator = makeAsyncIterator()
        while let chunk = try await iterator.next() { bytes += chunk }
        return bytes
    }
}
