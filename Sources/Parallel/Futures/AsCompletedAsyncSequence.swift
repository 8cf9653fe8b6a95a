/// Yields `futures` as they complete, to async code, without blocking a thread (the async twin of
/// ``asCompleted(_:timeout:)``; Python's `as_completed` for `asyncio` futures).
///
/// Futures already done come first, in the order given; then each future as it completes; duplicates
/// once. If `timeout` passes on `clock` (counted from this call) while futures are pending, iteration
/// throws ``FutureError/timedOut(after:)``. Cancelling the iterating task makes it throw
/// `CancellationError`; the futures themselves are never cancelled. Iterate it once.
///
/// - Throws: ``InvalidArgumentError`` at the call if `timeout` is negative.
///
/// ```swift
/// for try await future in try asCompleted(futures, timeout: .seconds(5), clock: .continuous) {
///     print(try await future.value)
/// }
/// ```
public func asCompleted<Value: Sendable, C: Clock>(
    _ futures: some Sequence<Future<Value>>,
    timeout: Duration?,
    clock: C
) throws(InvalidArgumentError) -> AsCompletedAsyncSequence<Value> where C.Duration == Duration {
    try InvalidArgumentError.checkNonNegative("timeout", timeout)
    let waiter = CompletionWaiter(watching: futures)
    return AsCompletedAsyncSequence(
        waiter: waiter,
        expiry: WaiterExpiry(waiter: waiter, timeout: timeout, clock: clock),
        timeout: timeout ?? .zero
    )
}

/// The `AsyncSequence` of ``asCompleted(_:timeout:clock:)``: futures in completion order.
///
/// ```swift
/// for try await future in asCompleted(futures, timeout: nil, clock: .continuous) { … }
/// ```
public struct AsCompletedAsyncSequence<Value: Sendable>: AsyncSequence, Sendable {
    /// Each element is a completed future.
    public typealias Element = Future<Value>
    /// Iteration throws ``FutureError/timedOut(after:)`` or `CancellationError`.
    public typealias Failure = any Error

    let waiter: CompletionWaiter<Value>
    let expiry: WaiterExpiry<Value>
    let timeout: Duration

    /// Starts iterating; the sequence is single-pass.
    ///
    /// ```swift
    /// var iterator = asCompleted(futures, timeout: nil, clock: .continuous).makeAsyncIterator()
    /// ```
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(sequence: self)
    }

    /// Suspends for the next completed future.
    public struct AsyncIterator: AsyncIteratorProtocol, Sendable {
        private let sequence: AsCompletedAsyncSequence

        init(sequence: AsCompletedAsyncSequence) {
            self.sequence = sequence
        }

        /// The next completed future; `nil` when all were yielded.
        ///
        /// - Throws: ``FutureError/timedOut(after:)`` or `CancellationError`.
        ///
        /// ```swift
        /// let first = try await iterator.next()
        /// ```
        public mutating func next() async throws -> Future<Value>? {
            try await sequence.waiter.next(timeout: sequence.timeout)
        }

        /// The next completed future, as ``next()``, called in the caller's isolation.
        ///
        /// ```swift
        /// let first = try await iterator.next(isolation: #isolation)
        /// ```
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> Future<Value>? {
            try await sequence.waiter.next(timeout: sequence.timeout)
        }
    }
}
