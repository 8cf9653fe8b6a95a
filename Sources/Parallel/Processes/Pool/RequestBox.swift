/// A worker's answer to one request, still encoded: callers decode it on their own thread.
enum RequestReply: Equatable, Sendable {
    case outputs([UInt8])
    case results([Frame.ItemResult])

    /// Some input's task threw.
    var hasFailure: Bool {
        guard case .results(let items) = self else { return false }
        return items.contains { if case .failure = $0 { true } else { false } }
    }
}

/// One request's promise: its id once submitted, and its outcome, awaited by whoever submitted it (a
/// handle, `map`, an `imap` iterator).
///
/// The pool completes the box exactly once; any number of waiters get the same outcome. Waiting is
/// not itself cancellation-aware: callers cancel the request through the pool, which completes the
/// box promptly with `CancellationError`. A box is made before it is submitted (so an `imap` window
/// can track it first); the pool gives it its id in the same locked step that queues it, and a box
/// cancelled before that is never sent.
final class RequestBox: Sendable {
    /// How many inputs the request carries.
    let count: Int
    private let onComplete: (@Sendable (RequestBox) -> Void)?
    private let state = LockedValue<State>(State())

    private struct State {
        var progress = Progress.unsubmitted
        var waiters: [UnsafeContinuation<Result<RequestReply, any Error>, Never>] = []
        /// The descriptors that came with the reply (its ``SharedArray``s), kept while the box lives.
        var descriptors: DescriptorTable?
    }

    private enum Progress {
        /// Not yet given to the pool.
        case unsubmitted
        /// Queued or running in the pool under this id.
        case submitted(UInt64)
        /// Cancelled before it was submitted: its outcome is `CancellationError`, delivered by
        /// whoever cancelled it; it will not be submitted.
        case cancelledBeforeSubmission
        /// Done.
        case done(Result<RequestReply, any Error>)
    }

    init(count: Int, onComplete: (@Sendable (RequestBox) -> Void)? = nil) {
        self.count = count
        self.onComplete = onComplete
    }

    /// The request's id in the pool, once submitted (and until done).
    var id: UInt64? {
        state.withLock { state in
            if case .submitted(let id) = state.progress { return id }
            return nil
        }
    }

    /// Records that the pool queued the request under `id` (called under the pool's lock). False if
    /// it was cancelled or completed first: it must not be queued.
    func markSubmitted(_ id: UInt64) -> Bool {
        state.withLock { state in
            guard case .unsubmitted = state.progress else { return false }
            state.progress = .submitted(id)
            return true
        }
    }

    /// Marks a request not yet submitted as cancelled (called under the pool's lock, so a submit
    /// cannot slip in between): true if it was, and the caller then completes it with
    /// `CancellationError` once out of the lock.
    func cancelBeforeSubmission() -> Bool {
        state.withLock { state in
            guard case .unsubmitted = state.progress else { return false }
            state.progress = .cancelledBeforeSubmission
            return true
        }
    }

    /// Keeps `descriptors`, those that came with the reply, for decoding it (called before
    /// ``complete(_:)``).
    func attach(_ descriptors: DescriptorTable) {
        state.withLock { $0.descriptors = descriptors }
    }

    /// The descriptors that came with the reply, if any.
    private var descriptors: DescriptorTable? { state.withLock { $0.descriptors } }

    /// Records the outcome and resumes the waiters; later calls are ignored.
    func complete(_ outcome: Result<RequestReply, any Error>) {
        let waiters: [UnsafeContinuation<Result<RequestReply, any Error>, Never>]? = state.withLock { state in
            if case .done = state.progress { return nil }
            state.progress = .done(outcome)
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        guard let waiters else { return }
        // First what the call's outcome ends (its span): a caller that has its outcome sees it done.
        onComplete?(self)
        for waiter in waiters { waiter.resume(returning: outcome) }
    }

    /// The outcome, once there is one.
    var outcome: Result<RequestReply, any Error>? {
        state.withLock { state in
            if case .done(let outcome) = state.progress { return outcome }
            return nil
        }
    }

    /// The error the request ended with, once it has: its failure, or the first input whose task
    /// threw (for a span's status); nil if it succeeded or has not ended.
    func failure(task: String) -> (any Error)? {
        switch outcome {
        case .failure(let error): return error
        case .success(.results(let items)):
            for case .failure(let type, let message) in items {
                return ProcessPoolError.taskFailed(task: task, type: type, message: message)
            }
            return nil
        default: return nil
        }
    }

    /// Waits for the outcome.
    func wait() async -> Result<RequestReply, any Error> {
        await withUnsafeContinuation { continuation in
            let ready: Result<RequestReply, any Error>? = state.withLock { state in
                if case .done(let outcome) = state.progress { return outcome }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Decodes the outcome into the outputs, or throws the first failure. (The common all-succeeded
    /// reply decodes straight into an array: no `Result` per element.)
    func outputs<Output: Decodable & Sendable>(
        _ outcome: Result<RequestReply, any Error>, as type: Output.Type, task: String
    ) throws -> [Output] {
        if case .success(.outputs(let payload)) = outcome,
           let outputs = try? WireCodec.decode([Output].self, from: payload, descriptors: descriptors), outputs.count == count {
            return outputs
        }
        return try results(outcome, as: type, task: task).map { try $0.get() }
    }

    /// Decodes the outcome into one result per input.
    func results<Output: Decodable & Sendable>(
        _ outcome: Result<RequestReply, any Error>, as type: Output.Type, task: String
    ) throws(CancellationError) -> [Result<Output, ProcessPoolError>] {
        switch outcome {
        case .failure(let error as ProcessPoolError):
            return Array(repeating: .failure(error), count: count)
        case .failure:
            throw CancellationError()
        case .success(.outputs(let payload)):
            do {
                let outputs = try WireCodec.decode([Output].self, from: payload, descriptors: descriptors)
                guard outputs.count == count else {
                    let error = ProcessPoolError.decodingFailed(task: task, message: "expected \(count) outputs, got \(outputs.count)")
                    return Array(repeating: .failure(error), count: count)
                }
                return outputs.map { .success($0) }
            } catch {
                let failure = ProcessPoolError.decodingFailed(task: task, message: "output: " + WireCodec.message(error))
                return Array(repeating: .failure(failure), count: count)
            }
        case .success(.results(let items)):
            guard items.count == count else {
                let error = ProcessPoolError.decodingFailed(task: task, message: "expected \(count) results, got \(items.count)")
                return Array(repeating: .failure(error), count: count)
            }
            let descriptors = descriptors
            return items.map { item in
                switch item {
                case .success(let bytes):
                    do {
                        return .success(try WireCodec.decode(Output.self, from: bytes, descriptors: descriptors))
                    } catch {
                        return .failure(.decodingFailed(task: task, message: "output: " + WireCodec.message(error)))
                    }
                case .failure(let type, let message):
                    return .failure(.taskFailed(task: task, type: type, message: message))
                }
            }
        }
    }
}
