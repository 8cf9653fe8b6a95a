import Parallel

/// What ``HTTPSession/fetchAll(_:maxConcurrent:)`` returns: one result per URL, in the order given,
/// and how long the whole batch took.
///
/// ```swift
/// let batch = try await session.fetchAll(urls)
/// for (url, result) in zip(urls, batch.results) { print(url, (try? result.get().status.code) ?? 0) }
/// print("Completed in \(batch.elapsed)")
/// ```
public struct FetchAllResult: Sendable {
    /// One result per URL, in input order: the response, or the error that says what happened.
    public var results: [Result<HTTPResponse, HTTPError>]
    /// Wall time from the first request to the last answer.
    public var elapsed: Duration

    /// The responses that arrived (whatever their status), in input order.
    ///
    /// ```swift
    /// print("Received \(batch.responses.count) responses")
    /// ```
    public var responses: [HTTPResponse] {
        results.compactMap { try? $0.get() }
    }
}

extension HTTPSession {
    /// Fetches every URL with GET, at most `maxConcurrent` at once, and returns one result per URL in
    /// input order plus the elapsed time: the seed's `asyncio.gather(*[fetch(session, url) for url in urls])`
    /// in one call.
    ///
    /// A failing URL never stops the others: its slot holds the ``HTTPError`` (like
    /// `gather(return_exceptions=True)`). The session's limits, timeouts and retries apply to each
    /// request. Cancelling the calling task cancels the requests still running; their slots hold
    /// ``HTTPError/cancelled``.
    ///
    /// - Throws: `InvalidArgumentError` before any request if `maxConcurrent` is less than 1; nothing
    ///   else (failures are in the results).
    ///
    /// ```swift
    /// let batch = try await session.fetchAll(["\(base)/delay/1", "\(base)/delay/2"], maxConcurrent: 10)
    /// ```
    public func fetchAll(_ urls: [String], maxConcurrent: Int = 100) async throws(InvalidArgumentError) -> FetchAllResult {
        try InvalidArgumentError.check("maxConcurrent", maxConcurrent, atLeast: 1)
        let clock = ContinuousClock()
        let start = clock.now
        var results = [Result<HTTPResponse, HTTPError>](repeating: .failure(.cancelled), count: urls.count)
        await withTaskGroup(of: (Int, Result<HTTPResponse, HTTPError>).self) { group in
            var next = 0
            func launch() {
                let index = next
                next += 1
                group.addTask {
                    do throws(HTTPError) {
                        return (index, .success(try await self.get(urls[index])))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            while next < min(maxConcurrent, urls.count) { launch() }
            while let (index, result) = await group.next() {
                results[index] = result
                // Once cancelled, start nothing new: the remaining slots keep `.cancelled`.
                if next < urls.count && !Task.isCancelled { launch() }
            }
        }
        return FetchAllResult(results: results, elapsed: clock.now - start)
    }
}

/// Fetches every URL with a new session, at most `maxConcurrent` at once, then shuts the session down:
/// the seed's aiohttp example in one call.
///
/// - Throws: `InvalidArgumentError` before any request if `maxConcurrent` or `configuration` is out
///   of range; nothing else (failures are in the results).
///
/// ```swift
/// let batch = try await fetchAll(["https://example.com/", "https://example.org/"])
/// print("Completed in \(batch.elapsed), received \(batch.responses.count) responses")
/// ```
public func fetchAll(
    _ urls: [String],
    maxConcurrent: Int = 100,
    configuration: HTTPSessionConfiguration = .init()
) async throws -> FetchAllResult {
    try await withHTTPSession(configuration: configuration) { session in
        try await session.fetchAll(urls, maxConcurrent: maxConcurrent)
    }
}
