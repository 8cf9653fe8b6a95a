/// Runs `body` with a task group that never has more than `maxConcurrency` children running: when
/// full, ``LimitedTaskGroup/addTask(isolation:_:)`` suspends until a child finishes (Go's
/// `errgroup.Group` with `SetLimit`, Trio's `CapacityLimiter` around a nursery).
///
/// Children return nothing; the first child to throw cancels the others, and its error is thrown
/// from the next `addTask` or, at the latest, from this function once every child has stopped. All
/// children have finished when this function returns.
///
/// - Throws: ``InvalidArgumentError`` before `body` runs if `maxConcurrency` is less than 1; then the
///   first child's error or what `body` throws.
///
/// `body` runs in the caller's isolation (`isolation`, the caller's actor by default), as the body
/// of `withTaskGroup` does; the children it adds run concurrently and are `@Sendable`.
///
/// ```swift
/// try await withLimitedTaskGroup(maxConcurrency: 4) { group in
///     for url in urls {
///         try await group.addTask { try await download(url) }
///     }
/// }
/// ```
public func withLimitedTaskGroup<Result>(
    maxConcurrency: Int,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (inout LimitedTaskGroup) async throws -> Result
) async throws -> Result {
    try InvalidArgumentError.check("maxConcurrency", maxConcurrency, atLeast: 1)
    return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
        var limited = LimitedTaskGroup(group: group, limit: maxConcurrency)
        let result = try await body(&limited)
        while try await group.next() != nil {}
        return result
    }
}

/// The group handed to ``withLimitedTaskGroup(maxConcurrency:isolation:_:)``: a throwing task group
/// with a limit on running children.
///
/// ```swift
/// try await group.addTask { try await work() }   // waits while `maxConcurrency` children run
/// ```
public struct LimitedTaskGroup {
    private var group: ThrowingTaskGroup<Void, any Error>
    private var running = 0

    /// The most children that run at once.
    public let limit: Int

    init(group: ThrowingTaskGroup<Void, any Error>, limit: Int) {
        self.group = group
        self.limit = limit
    }

    /// Starts `operation` as a child task once fewer than ``limit`` children are running (Go's
    /// `g.Go(f)` on a limited group). The wait for a free slot happens in the caller's isolation
    /// (`isolation`), as `TaskGroup.next(isolation:)` does; `operation` runs concurrently, so it is
    /// `@Sendable`.
    ///
    /// - Throws: the first error a child threw (the others are being cancelled); `CancellationError`
    ///   if the caller is cancelled while waiting for a free slot.
    ///
    /// ```swift
    /// try await group.addTask { try await process(item) }
    /// ```
    public mutating func addTask(
        isolation: isolated (any Actor)? = #isolation,
        _ operation: @escaping @Sendable () async throws -> Void
    ) async throws {
        while running >= limit {
            try Task.checkCancellation()
            guard try await group.next(isolation: isolation) != nil else { break }
            running -= 1
        }
        running += 1
        group.addTask(operation: operation)
    }
}
