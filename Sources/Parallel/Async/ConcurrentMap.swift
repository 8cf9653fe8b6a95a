extension Sequence where Element: Sendable {
    /// Transforms every element concurrently, at most `maxConcurrency` at a time, and returns the
    /// results in the sequence's order (Python's `asyncio.gather` over a `Semaphore`-guarded map).
    ///
    /// Elements are started in order as slots free up. The first transform to throw cancels the
    /// others and its error is thrown once they have stopped; cancelling the caller cancels them all.
    /// The call runs in the caller's isolation (`isolation`); the transforms run concurrently, so
    /// `transform` is `@Sendable`.
    ///
    /// - Throws: ``InvalidArgumentError`` before anything starts if `maxConcurrency` is less than 1.
    ///
    /// ```swift
    /// let pages = try await urls.concurrentMap(maxConcurrency: 8) { url in
    ///     try await fetch(url)
    /// }
    /// ```
    public func concurrentMap<T: Sendable>(
        maxConcurrency: Int = 64,
        isolation: isolated (any Actor)? = #isolation,
        _ transform: @escaping @Sendable (Element) async throws -> T
    ) async throws -> [T] {
        let results = OrderedResults<T>(count: underestimatedCount)
        try await withLimitedTaskGroup(maxConcurrency: maxConcurrency) { group in
            for (index, element) in self.enumerated() {
                try await group.addTask { results.store(try await transform(element), at: index) }
            }
        }
        return results.values
    }

    /// Runs `body` on every element concurrently, at most `maxConcurrency` at a time (Go's
    /// `errgroup` with `SetLimit`).
    ///
    /// The first call to throw cancels the others and its error is thrown once they have stopped.
    /// The call runs in the caller's isolation (`isolation`); `body` runs concurrently, so it is
    /// `@Sendable`.
    ///
    /// - Throws: ``InvalidArgumentError`` before anything starts if `maxConcurrency` is less than 1.
    ///
    /// ```swift
    /// try await files.concurrentForEach(maxConcurrency: 4) { file in try await upload(file) }
    /// ```
    public func concurrentForEach(
        maxConcurrency: Int = 64,
        isolation: isolated (any Actor)? = #isolation,
        _ body: @escaping @Sendable (Element) async throws -> Void
    ) async throws {
        try await withLimitedTaskGroup(maxConcurrency: maxConcurrency) { group in
            for element in self {
                try await group.addTask { try await body(element) }
            }
        }
    }
}
