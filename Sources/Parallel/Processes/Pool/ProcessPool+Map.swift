extension ProcessPool {
    /// Runs `task` on every input and returns the outputs in input order (`Pool.map`).
    ///
    /// Inputs travel in chunks of `chunkSize` (default: about four chunks per worker, as Python does),
    /// which is what makes tiny tasks cheap. `timeout` limits each chunk. The first failure in input
    /// order is thrown and the work not yet finished is cancelled; use ``mapResults(_:_:chunkSize:timeout:)``
    /// to keep every outcome instead.
    ///
    /// - Throws: ``InvalidArgumentError`` before anything is queued if `chunkSize` is less than 1 or
    ///   `timeout` is not more than zero; then ``ProcessPoolError`` or `CancellationError`.
    ///
    /// ```swift
    /// let squares = try await pool.map(Square.self, [1, 2, 3, 4, 5])   // [1, 4, 9, 16, 25]
    /// ```
    public func map<T: ProcessTask>(
        _ task: T.Type, _ inputs: some Collection<T.Input>, chunkSize: Int? = nil, timeout: Duration? = nil
    ) async throws -> [T.Output] {
        let boxes = try submitChunks(task, inputs, chunkSize: chunkSize, timeout: timeout)
        return try await withTaskCancellationHandler {
            var outputs: [T.Output] = []
            outputs.reserveCapacity(inputs.count)
            for (index, box) in boxes.enumerated() {
                do {
                    outputs += try box.outputs(await box.wait(), as: T.Output.self, task: T.name)
                } catch {
                    core.cancel(boxes[(index + 1)...])
                    throw error
                }
            }
            return outputs
        } onCancel: { [core] in
            core.cancel(boxes)
        }
    }

    /// Runs `task` on every input and returns one `Result` per input, in input order, so no outcome
    /// is lost (`Pool.map` with every exception kept, like `gather(return_exceptions=True)`).
    ///
    /// Throws only `CancellationError`, when the caller is cancelled (the remaining work is cancelled),
    /// and ``InvalidArgumentError`` before anything is queued if `chunkSize` is less than 1 or
    /// `timeout` is not more than zero.
    ///
    /// ```swift
    /// for result in try await pool.mapResults(Parse.self, lines) {
    ///     if case .failure(let error) = result { print(error) }
    /// }
    /// ```
    public func mapResults<T: ProcessTask>(
        _ task: T.Type, _ inputs: some Collection<T.Input>, chunkSize: Int? = nil, timeout: Duration? = nil
    ) async throws -> [Result<T.Output, ProcessPoolError>] {
        let boxes = try submitChunks(task, inputs, chunkSize: chunkSize, timeout: timeout)
        return try await withTaskCancellationHandler {
            var results: [Result<T.Output, ProcessPoolError>] = []
            results.reserveCapacity(inputs.count)
            for box in boxes {
                results += try box.results(await box.wait(), as: T.Output.self, task: T.name)
            }
            return results
        } onCancel: { [core] in
            core.cancel(boxes)
        }
    }

    /// Python's default chunk size: about four chunks per worker.
    func defaultChunkSize(for count: Int) -> Int {
        max(1, (count + 4 * workerCount - 1) / (4 * workerCount))
    }

    private func submitChunks<T: ProcessTask>(
        _ task: T.Type, _ inputs: some Collection<T.Input>, chunkSize: Int?, timeout: Duration?
    ) throws(InvalidArgumentError) -> [RequestBox] {
        try InvalidArgumentError.check("chunkSize", chunkSize, atLeast: 1)
        try InvalidArgumentError.checkPositive("timeout", timeout)
        let size = chunkSize ?? defaultChunkSize(for: inputs.count)
        // Bulk copies of slices: element-by-element appends are slow in this unspecialized code.
        let all = Array(inputs)
        return stride(from: 0, to: all.count, by: size).map { start in
            submitChunk(task, Array(all[start..<min(start + size, all.count)]), timeout: timeout)
        }
    }
}
