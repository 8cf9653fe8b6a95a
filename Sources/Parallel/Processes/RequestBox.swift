/// One request's outcome, awaited by whoever submitted it (a handle, `map`, an `imap` iterator).
///
/// The pool completes the box exactly once; any number of waiters get the same outcome. Waiting is
/// not itself cancellation-aware: callers cancel the request through the pool, which completes the
/// box promptly with `CancellationError`.
final class RequestBox: Sendable {
    let id: UInt64
    /// How many inputs the request carries.
    let count: Int
    private let onComplete: (@Sendable (RequestBox) -> Void)?
    private let state = LockedValue<State>(.waiting([]))

    private enum State {
        case waiting([UnsafeContinuation<Result<RequestReply, any Error>, Never>])
        case done(Result<RequestReply, any Error>)
    }

    init(id: UInt64, count: Int, onComplete: (@Sendable (RequestBox) -> Void)? = nil) {
        self.id = id
        self.count = count
        self.onComplete = onComplete
    }

    /// Records the outcome and resumes the waiters; later calls are ignored.
    func complete(_ outcome: Result<RequestReply, any Error>) {
        let waiters: [UnsafeContinuation<Result<RequestReply, any Error>, Never>]? = state.withLock { state in
            guard case .waiting(let waiters) = state else { return nil }
            state = .done(outcome)
            return waiters
        }
        guard let waiters else { return }
        for waiter in waiters { waiter.resume(returning: outcome) }
        onComplete?(self)
    }

    /// The outcome, once there is one.
    var outcome: Result<RequestReply, any Error>? {
        state.withLock { state in
            if case .done(let outcome) = state { return outcome }
            return nil
        }
    }

    /// Waits for the outcome.
    func wait() async -> Result<RequestReply, any Error> {
        await withUnsafeContinuation { continuation in
            let ready: Result<RequestReply, any Error>? = state.withLock { state in
                switch state {
                case .done(let outcome):
                    return outcome
                case .waiting(var waiters):
                    waiters.append(continuation)
                    state = .waiting(waiters)
                    return nil
                }
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
           let outputs = try? WireCodec.decode([Output].self, from: payload), outputs.count == count {
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
                let outputs = try WireCodec.decode([Output].self, from: payload)
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
            return items.map { item in
                switch item {
                case .success(let bytes):
                    do {
                        return .success(try WireCodec.decode(Output.self, from: bytes))
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
