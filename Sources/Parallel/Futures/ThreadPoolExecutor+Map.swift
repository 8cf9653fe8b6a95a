extension ThreadPoolExecutor {
    /// Runs `transform` on every input on the pool and gives the outcomes back in input order (Python's
    /// `Executor.map`).
    ///
    /// Every input is submitted before this returns, as in Python; the returned sequence is lazy: each
    /// step blocks until that input's outcome is ready, so you can consume early results while later
    /// ones still run. A failing input gives a `.failure` with its error, and the sequence goes on.
    /// If `timeout` (counted from this call) passes before an outcome is ready, the sequence yields
    /// `.failure(FutureError.timedOut(after:))`, cancels the inputs that have not started and ends.
    ///
    /// Iterating blocks the thread: do it from a thread, not from async code.
    ///
    /// - Throws: a ``ThreadPoolExecutorError`` if the pool takes no more work, ``InvalidArgumentError``
    ///   if `timeout` is negative (nothing was submitted then).
    ///
    /// ```swift
    /// for outcome in try executor.map([1, 2, 3], timeout: .seconds(5), { $0 * $0 }) {
    ///     print(try outcome.get())   // 1, 4, 9
    /// }
    /// ```
    public func map<Input, Output: Sendable>(
        _ inputs: some Sequence<Input>,
        timeout: Duration? = nil,
        _ transform: @escaping @Sendable (Input) throws -> Output
    ) throws -> MapResults<Output> where Input: Sendable {
        try InvalidArgumentError.checkNonNegative("timeout", timeout)
        let deadline = Deadline.after(timeout)
        var futures: [Future<Output>] = []
        do {
            for input in inputs { futures.append(try submit { try transform(input) }) }
        } catch {
            for future in futures { future.cancel() }
            throw error
        }
        return MapResults(futures: futures, deadline: deadline, timeout: timeout ?? .zero)
    }

    /// The outcomes of ``ThreadPoolExecutor/map(_:timeout:_:)``, in input order.
    ///
    /// Each element is the input's `Result`; iterating blocks until the next outcome is ready or the
    /// map's deadline passes (then a last ``FutureError/timedOut(after:)`` and the end).
    ///
    /// ```swift
    /// let squares = try executor.map(1...3) { $0 * $0 }.map { try $0.get() }   // [1, 4, 9]
    /// ```
    public struct MapResults<Output: Sendable>: Sequence, Sendable {
        /// The futures of the submitted inputs, in input order (to cancel or inspect them).
        ///
        /// ```swift
        /// results.futures.forEach { $0.cancel() }
        /// ```
        public let futures: [Future<Output>]
        let deadline: Deadline
        let timeout: Duration

        /// Starts iterating; each `next()` blocks until the next outcome is ready.
        ///
        /// ```swift
        /// var outcomes = results.makeIterator()
        /// let first = outcomes.next()
        /// ```
        public func makeIterator() -> Iterator {
            Iterator(results: self)
        }

        /// Walks the outcomes in input order, blocking for each.
        public struct Iterator: IteratorProtocol {
            private let results: MapResults
            private var index = 0

            init(results: MapResults) {
                self.results = results
            }

            /// The next input's outcome, waiting for it until the map's deadline; `nil` at the end.
            ///
            /// ```swift
            /// while let outcome = iterator.next() { print(outcome) }
            /// ```
            public mutating func next() -> Result<Output, any Error>? {
                guard index < results.futures.count else { return nil }
                let future = results.futures[index]
                index += 1
                do {
                    return .success(try future.result(until: results.deadline, timeout: results.timeout))
                } catch FutureError.timedOut(let after) {
                    for pending in results.futures[(index - 1)...] { pending.cancel() }
                    index = results.futures.count
                    return .failure(FutureError.timedOut(after: after))
                } catch {
                    return .failure(error)
                }
            }
        }
    }
}
