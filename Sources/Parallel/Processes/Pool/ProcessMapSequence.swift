import DequeModule

extension ProcessPool {
    /// Streams `task`'s outputs in input order (`Pool.imap`), keeping at most `window` chunks of
    /// `chunkSize` inputs in flight: mapping a million inputs never holds a million requests or
    /// results. Iteration throws the first failure; leaving the loop cancels the work in flight.
    /// `progress`, if given, hears each time a chunk's outputs are handed to the loop (see
    /// ``MapProgress``).
    ///
    /// - Throws: ``InvalidArgumentError`` if `chunkSize` or `window` is less than 1 or `timeout` is
    ///   not more than zero.
    ///
    /// ```swift
    /// for try await square in try pool.imap(Square.self, 1...1_000_000, chunkSize: 1000) {
    ///     total += square
    /// }
    /// ```
    public func imap<T: ProcessTask, Inputs: Sequence<T.Input>>(
        _ task: T.Type, _ inputs: Inputs, chunkSize: Int = 1, window: Int? = nil, timeout: Duration? = nil,
        progress: (@Sendable (MapProgress) -> Void)? = nil
    ) throws(InvalidArgumentError) -> ProcessMapSequence<T, Inputs> {
        try mapSequence(inputs, chunkSize: chunkSize, window: window, timeout: timeout, ordered: true, progress: progress)
    }

    /// Streams `task`'s outputs as they complete (`Pool.imap_unordered`), with the same bounded
    /// window and `progress` as ``imap(_:_:chunkSize:window:timeout:progress:)``.
    ///
    /// - Throws: ``InvalidArgumentError``, as ``imap(_:_:chunkSize:window:timeout:progress:)``.
    ///
    /// ```swift
    /// for try await output in try pool.imapUnordered(Slow.self, inputs) { print(output) }
    /// ```
    public func imapUnordered<T: ProcessTask, Inputs: Sequence<T.Input>>(
        _ task: T.Type, _ inputs: Inputs, chunkSize: Int = 1, window: Int? = nil, timeout: Duration? = nil,
        progress: (@Sendable (MapProgress) -> Void)? = nil
    ) throws(InvalidArgumentError) -> ProcessMapSequence<T, Inputs> {
        try mapSequence(inputs, chunkSize: chunkSize, window: window, timeout: timeout, ordered: false, progress: progress)
    }

    /// Checks the arguments of an `imap` and makes its sequence (`window`: two requests per worker by default).
    private func mapSequence<T: ProcessTask, Inputs: Sequence<T.Input>>(
        _ inputs: Inputs, chunkSize: Int, window: Int?, timeout: Duration?, ordered: Bool,
        progress: (@Sendable (MapProgress) -> Void)?
    ) throws(InvalidArgumentError) -> ProcessMapSequence<T, Inputs> {
        try InvalidArgumentError.check("chunkSize", chunkSize, atLeast: 1)
        try InvalidArgumentError.check("window", window, atLeast: 1)
        try InvalidArgumentError.checkPositive("timeout", timeout)
        return ProcessMapSequence(
            pool: self, inputs: inputs, chunkSize: chunkSize, window: window ?? 2 * workerCount, timeout: timeout,
            ordered: ordered, progress: progress
        )
    }
}

/// The outputs of a task over a sequence of inputs, computed by a ``ProcessPool`` with a bounded
/// window of requests in flight; made by ``ProcessPool/imap(_:_:chunkSize:window:timeout:progress:)`` and
/// ``ProcessPool/imapUnordered(_:_:chunkSize:window:timeout:progress:)``.
///
/// ```swift
/// for try await output in try pool.imap(Square.self, [1, 2, 3]) { print(output) }
/// ```
public struct ProcessMapSequence<T: ProcessTask, Inputs: Sequence<T.Input>>: AsyncSequence {
    /// The task's output.
    public typealias Element = T.Output

    let pool: ProcessPool
    let inputs: Inputs
    let chunkSize: Int
    let window: Int
    let timeout: Duration?
    let ordered: Bool
    let progress: (@Sendable (MapProgress) -> Void)?

    /// Starts pulling inputs: nothing is submitted before the first `next()`.
    ///
    /// ```swift
    /// var outputs = try pool.imap(Square.self, [1, 2]).makeAsyncIterator()
    /// ```
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(sequence: self)
    }

    /// Pulls inputs only as results are consumed; dropping it cancels the work in flight.
    ///
    /// ```swift
    /// let first = try await iterator.next()
    /// ```
    public struct AsyncIterator: AsyncIteratorProtocol {
        private let pool: ProcessPool
        private var inputs: Inputs.Iterator
        private let chunkSize: Int
        private let window: Int
        private let timeout: Duration?
        private let flight: InFlight
        private let progress: (@Sendable (MapProgress) -> Void)?
        private var report: MapProgress
        private var submitted = 0
        private var ready: Deque<T.Output> = []
        private var inputsDone = false
        private var finished = false

        init(sequence: ProcessMapSequence) {
            pool = sequence.pool
            inputs = sequence.inputs.makeIterator()
            chunkSize = sequence.chunkSize
            window = sequence.window
            timeout = sequence.timeout
            flight = InFlight(
                core: sequence.pool.core, ordered: sequence.ordered,
                span: sequence.pool.observability.startSpan(sequence.ordered ? "imap" : "imapUnordered", task: T.name)
            )
            progress = sequence.progress
            // The one dynamic cast, and only when progress is asked for: the total of a collection.
            let total = sequence.progress == nil ? nil : (sequence.inputs as? any Collection)?.count
            report = MapProgress(completed: 0, failed: 0, total: total)
        }

        /// The next output (in order or as completed), `nil` after the last; throws the first
        /// ``ProcessPoolError`` and then ends, or `CancellationError` (the work in flight is cancelled).
        ///
        /// ```swift
        /// while let output = try await iterator.next() { print(output) }
        /// ```
        public mutating func next() async throws -> T.Output? {
            while true {
                if let output = ready.popFirst() { return output }
                if finished { return nil }
                refill()
                let flight = flight
                let next: (box: RequestBox, outcome: Result<RequestReply, any Error>)? = await withTaskCancellationHandler {
                    guard let box = await flight.next() else { return nil }
                    return (box, await box.wait())
                } onCancel: {
                    flight.cancelAll()
                }
                guard let next else {
                    finished = true
                    flight.endSpan(Task.isCancelled ? CancellationError() : nil)
                    try Task.checkCancellation()
                    if let progress, report.total == nil {
                        // The inputs ended after the last report: one more, now with the total.
                        report.total = submitted
                        progress(report)
                    }
                    return nil
                }
                flight.handedOut(next.box)
                do {
                    ready.append(contentsOf: try next.box.outputs(next.outcome, as: T.Output.self, task: T.name))
                    record(next.box, failed: false)
                } catch {
                    finished = true
                    ready.removeAll()
                    flight.cancelAll()
                    flight.endSpan(error)
                    if error is ProcessPoolError { record(next.box, failed: true) }
                    throw error
                }
            }
        }

        private mutating func record(_ box: RequestBox, failed: Bool) {
            guard let progress else { return }
            report.completed += box.count
            if failed { report.failed += box.count }
            if inputsDone && report.total == nil { report.total = submitted }
            progress(report)
        }

        private mutating func refill() {
            while !inputsDone && flight.count < window {
                var chunk: [T.Input] = []
                while chunk.count < chunkSize, let input = inputs.next() { chunk.append(input) }
                if chunk.count < chunkSize { inputsDone = true }
                guard !chunk.isEmpty else { break }
                submitted += chunk.count
                let flight = flight
                // Weak: the pool holds each request's box, and the box this closure, until it completes;
                // a strong capture would keep `flight` alive past the iterator, so leaving the loop
                // would not cancel the work still in flight.
                _ = pool.submitChunk(
                    T.self, chunk, timeout: timeout, context: flight.span?.context ?? [:],
                    onComplete: { [weak flight] box in flight?.completed(box) }, beforeSending: { box in flight.add(box) }
                )
            }
        }
    }
}

/// The requests an `imap` iterator has in flight, in submission or completion order. Cancels what is
/// left when the iterator goes away, and ends the iteration's span (if tracing) once.
final class InFlight: Sendable {
    private let core: PoolCore
    private let ordered: Bool
    let span: PoolObservability.CallSpan?
    private let state = LockedValue(State())

    private struct State {
        var spanEnded = false
        /// Submitted and not yet handed out, in submission order.
        var outstanding: Deque<RequestBox> = []
        /// Completed and not yet handed out (unordered mode).
        var completed: Deque<RequestBox> = []
        var waiter: UnsafeContinuation<RequestBox?, Never>?
    }

    init(core: PoolCore, ordered: Bool, span: PoolObservability.CallSpan?) {
        self.core = core
        self.ordered = ordered
        self.span = span
    }

    deinit {
        cancelAll()
        // Left before the end: the rest was cancelled.
        endSpan(CancellationError())
    }

    /// Ends the span, the first time only.
    func endSpan(_ error: (any Error)?) {
        guard let span, state.withLock({ state in
            defer { state.spanEnded = true }
            return !state.spanEnded
        }) else { return }
        span.end(error)
    }

    var count: Int { state.withLock { $0.outstanding.count } }

    func add(_ box: RequestBox) {
        state.withLock { $0.outstanding.append(box) }
    }

    /// A request finished (called by the pool); in unordered mode it is the next to hand out.
    func completed(_ box: RequestBox) {
        guard !ordered else { return }
        let waiter: UnsafeContinuation<RequestBox?, Never>? = state.withLock { state in
            guard let index = state.outstanding.firstIndex(where: { $0 === box }) else { return nil }
            if let waiter = state.waiter {
                state.outstanding.remove(at: index)
                state.waiter = nil
                return waiter
            }
            state.completed.append(box)
            return nil
        }
        waiter?.resume(returning: box)
    }

    /// The next request to read: the oldest (ordered) or the first finished (unordered); `nil` when
    /// nothing is in flight. An ordered request stays outstanding (cancellable) until ``handedOut(_:)``.
    func next() async -> RequestBox? {
        if ordered {
            return state.withLock { $0.outstanding.first }
        }
        return await withUnsafeContinuation { continuation in
            let ready: RequestBox?? = state.withLock { state in
                if let box = state.completed.popFirst() {
                    state.outstanding.removeAll { $0 === box }
                    return .some(box)
                }
                if state.outstanding.isEmpty { return .some(nil) }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// The iterator has the outcome of `box`: it no longer counts against the window.
    func handedOut(_ box: RequestBox) {
        state.withLock { state in
            if state.outstanding.first === box { state.outstanding.removeFirst() }
        }
    }

    /// Cancels every request still in flight.
    func cancelAll() {
        let (boxes, waiter) = state.withLock { state in
            defer {
                state.outstanding.removeAll()
                state.completed.removeAll()
                state.waiter = nil
            }
            return (Array(state.outstanding), state.waiter)
        }
        core.cancel(boxes)
        waiter?.resume(returning: nil)
    }
}
