extension ProcessPool {
    /// Runs `task` on every input and returns the outputs in input order (`Pool.map`).
    ///
    /// Inputs travel in chunks of `chunkSize` (default: about four chunks per worker, as Python does),
    /// which is what makes tiny tasks cheap. `timeout` limits each chunk. The first failure in input
    /// order is thrown and the work not yet finished is cancelled; use
    /// ``mapResults(_:_:chunkSize:timeout:progress:)`` to keep every outcome instead. `progress`, if
    /// given, hears after each chunk finishes (see ``MapProgress``).
    ///
    /// - Throws: ``InvalidArgumentError`` before anything is queued if `chunkSize` is less than 1 or
    ///   `timeout` is not more than zero; then ``ProcessPoolError`` or `CancellationError`.
    ///
    /// ```swift
    /// let squares = try await pool.map(Square.self, [1, 2, 3, 4, 5])   // [1, 4, 9, 16, 25]
    /// ```
    public func map<T: ProcessTask>(
        _ task: T.Type, _ inputs: some Collection<T.Input>, chunkSize: Int? = nil, timeout: Duration? = nil,
        progress: (@Sendable (MapProgress) -> Void)? = nil
    ) async throws -> [T.Output] {
        let batch = try submitChunks(task, inputs, chunkSize: chunkSize, timeout: timeout, operation: "map")
        let boxes = batch.boxes
        return try await batch.traced { () async throws -> [T.Output] in try await withTaskCancellationHandler {
            var outputs = [[T.Output]](repeating: [], count: boxes.count)
            var report = MapProgress(completed: 0, failed: 0, total: inputs.count)
            // The first failure in input order; chunks after it are cancelled and no longer awaited.
            var failure: (index: Int, error: any Error)?
            var awaited = ChunkCursor(count: boxes.count)
            for await index in batch.completions {
                let box = boxes[index]
                if let failure, index > failure.index { continue }
                do {
                    outputs[index] = try box.outputs(box.outcome ?? .failure(CancellationError()), as: T.Output.self, task: T.name)
                    report.completed += box.count
                } catch {
                    if error is ProcessPoolError {
                        report.completed += box.count
                        report.failed += box.count
                    }
                    core.cancel(boxes[(index + 1)...])
                    failure = (index, error)
                }
                progress?(report)
                if awaited.finish(index, upTo: failure.map { $0.index + 1 } ?? boxes.count) { break }
            }
            if let failure { throw failure.error }
            // The stream ends early only when this task is cancelled (every chunk was then cancelled).
            guard awaited.isDone(upTo: boxes.count) else { throw CancellationError() }
            return outputs.flatMap { $0 }
        } onCancel: { [core] in
            core.cancel(boxes)
        } }
    }

    /// Runs `task` on every input and returns one `Result` per input, in input order, so no outcome
    /// is lost (`Pool.map` with every exception kept, like `gather(return_exceptions=True)`).
    /// `progress`, if given, hears after each chunk finishes (see ``MapProgress``).
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
        _ task: T.Type, _ inputs: some Collection<T.Input>, chunkSize: Int? = nil, timeout: Duration? = nil,
        progress: (@Sendable (MapProgress) -> Void)? = nil
    ) async throws -> [Result<T.Output, ProcessPoolError>] {
        let batch = try submitChunks(task, inputs, chunkSize: chunkSize, timeout: timeout, operation: "mapResults")
        let boxes = batch.boxes
        return try await batch.traced { () async throws -> [Result<T.Output, ProcessPoolError>] in try await withTaskCancellationHandler {
            var results = [[Result<T.Output, ProcessPoolError>]](repeating: [], count: boxes.count)
            var report = MapProgress(completed: 0, failed: 0, total: inputs.count)
            var awaited = ChunkCursor(count: boxes.count)
            for await index in batch.completions {
                let box = boxes[index]
                let chunk = try box.results(box.outcome ?? .failure(CancellationError()), as: T.Output.self, task: T.name)
                results[index] = chunk
                report.completed += chunk.count
                report.failed += chunk.count(where: { if case .failure = $0 { true } else { false } })
                progress?(report)
                if awaited.finish(index, upTo: boxes.count) { break }
            }
            guard awaited.isDone(upTo: boxes.count) else { throw CancellationError() }
            return results.flatMap { $0 }
        } onCancel: { [core] in
            core.cancel(boxes)
        } }
    }

    /// Python's default chunk size: about four chunks per worker.
    func defaultChunkSize(for count: Int) -> Int {
        max(1, (count + 4 * workerCount - 1) / (4 * workerCount))
    }

    /// The requests of one `map`, the indices of those that have completed, in completion order, and
    /// the call's span (if tracing).
    private struct ChunkBatch {
        var boxes: [RequestBox]
        var completions: AsyncStream<Int>
        var span: PoolObservability.CallSpan?

        /// Runs the call's `body`, then ends its span with what it threw.
        func traced<Value>(_ body: () async throws -> Value) async throws -> Value {
            guard let span else { return try await body() }
            do {
                let value = try await body()
                span.end()
                return value
            } catch {
                span.end(error)
                throw error
            }
        }
    }

    private func submitChunks<T: ProcessTask>(
        _ task: T.Type, _ inputs: some Collection<T.Input>, chunkSize: Int?, timeout: Duration?, operation: String
    ) throws(InvalidArgumentError) -> ChunkBatch {
        try InvalidArgumentError.check("chunkSize", chunkSize, atLeast: 1)
        try InvalidArgumentError.checkPositive("timeout", timeout)
        let span = observability.startSpan(operation, task: T.name)
        let size = chunkSize ?? defaultChunkSize(for: inputs.count)
        // Unbounded, yet bounded by the number of chunks: each completes once.
        let (completions, continuation) = AsyncStream.makeStream(of: Int.self)
        // Bulk copies of slices: element-by-element appends are slow in this unspecialized code.
        let all = Array(inputs)
        let boxes = stride(from: 0, to: all.count, by: size).enumerated().map { index, start in
            submitChunk(
                task, Array(all[start..<min(start + size, all.count)]), timeout: timeout, context: span?.context ?? [:],
                onComplete: { _ in continuation.yield(index) }
            )
        }
        if boxes.isEmpty { continuation.finish() }
        return ChunkBatch(boxes: boxes, completions: completions, span: span)
    }
}

/// Which chunks of a `map` have been seen complete, to know when every chunk that matters has.
private struct ChunkCursor {
    private var seen: [Bool]
    /// Every chunk before this index has been seen.
    private var next = 0

    init(count: Int) {
        seen = Array(repeating: false, count: count)
    }

    /// Records chunk `index`; returns whether every chunk before `limit` has now been seen.
    mutating func finish(_ index: Int, upTo limit: Int) -> Bool {
        seen[index] = true
        while next < seen.count && seen[next] { next += 1 }
        return isDone(upTo: limit)
    }

    func isDone(upTo limit: Int) -> Bool {
        next >= limit
    }
}
