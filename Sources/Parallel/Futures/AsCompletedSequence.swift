/// Yields `futures` as they complete, finished ones first (Python's `concurrent.futures.as_completed`).
///
/// Futures already done when you call this come first, in the order given; then each future as it
/// completes. Duplicates are yielded once. Each element is `.success(future)`; if `timeout` (counted
/// from this call) passes while futures are still pending, the last element is
/// `.failure(FutureError.timedOut(after:))` and the sequence ends — the futures themselves go on.
///
/// The sequence is single-pass, and iterating blocks the thread: from async code use
/// ``asCompleted(_:timeout:clock:)``.
///
/// - Throws: ``InvalidArgumentError`` at the call if `timeout` is negative.
///
/// ```swift
/// let futures = try (1...3).map { n in try executor.submit { n * 10 } }
/// for completed in try asCompleted(futures, timeout: .seconds(5)) {
///     print(try completed.get().result())   // 10, 20, 30 in whatever order they finish
/// }
/// ```
public func asCompleted<Value: Sendable>(
    _ futures: some Sequence<Future<Value>>,
    timeout: Duration? = nil
) throws(InvalidArgumentError) -> AsCompletedSequence<Value> {
    try InvalidArgumentError.checkNonNegative("timeout", timeout)
    return AsCompletedSequence(waiter: CompletionWaiter(watching: futures), deadline: .after(timeout), timeout: timeout ?? .zero)
}

/// The blocking sequence of ``asCompleted(_:timeout:)``: futures in completion order.
///
/// ```swift
/// for completed in asCompleted(futures) { handle(try completed.get()) }
/// ```
public struct AsCompletedSequence<Value: Sendable>: Sequence, Sendable {
    let waiter: CompletionWaiter<Value>
    let deadline: Deadline
    let timeout: Duration

    /// Starts iterating; the sequence is single-pass, so iterate it once.
    ///
    /// ```swift
    /// var iterator = asCompleted(futures).makeIterator()
    /// ```
    public func makeIterator() -> Iterator {
        Iterator(sequence: self)
    }

    /// Blocks for the next completed future.
    public struct Iterator: IteratorProtocol {
        private let sequence: AsCompletedSequence
        private var ended = false

        init(sequence: AsCompletedSequence) {
            self.sequence = sequence
        }

        /// The next completed future, or the timeout as a last `.failure`; `nil` at the end.
        ///
        /// ```swift
        /// while let completed = iterator.next() { print(completed) }
        /// ```
        public mutating func next() -> Result<Future<Value>, FutureError>? {
            guard !ended else { return nil }
            switch sequence.waiter.next(until: sequence.deadline) {
            case .completed(let future):
                return .success(future)
            case .exhausted:
                ended = true
                return nil
            case .timedOut:
                ended = true
                sequence.waiter.stopWatching()
                return .failure(.timedOut(after: sequence.timeout))
            }
        }
    }
}
