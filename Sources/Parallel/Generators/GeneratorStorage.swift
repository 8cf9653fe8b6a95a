/// The hand-off between a generator's consumer and its body, which runs in a task of its own.
///
/// Per element: the consumer's `next()` resumes the suspended body (one resume); the body's `yield`
/// resumes the waiting consumer with the element (one resume). The state machine decides; its
/// actions are performed here, outside the lock.
@usableFromInline
final class GeneratorStorage<Element: Sendable>: Sendable {
    @usableFromInline typealias Consumer = UnsafeContinuation<Element?, any Error>
    @usableFromInline typealias Producer = UnsafeContinuation<Bool, Never>

    private let body: @Sendable (AsyncGenerator<Element, any Error>.Yield) async throws -> Void
    @usableFromInline let state = LockedValue(GeneratorStateMachine<Consumer, Producer>())

    init<Failure>(body: @escaping @Sendable (AsyncGenerator<Element, Failure>.Yield) async throws -> Void) {
        // Yield only wraps the storage, so the two Yield types convert by rewrapping it.
        self.body = { yield in try await body(AsyncGenerator<Element, Failure>.Yield(storage: yield.storage)) }
    }

    /// The consumer asks for the next element.
    @inlinable
    func next(isolation actor: isolated (any Actor)?) async throws -> Element? {
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation(isolation: actor) { (consumer: Consumer) in
                let isCancelled = Task.isCancelled
                let action = state.withLock { machine -> GeneratorStateMachine<Consumer, Producer>.NextAction in
                    let action = machine.next(consumer)
                    // Started under the lock, so a cancellation handler that runs later finds the task;
                    // one that ran earlier (the flag is set first) is caught up with here.
                    if case .startProducer = action { machine.producerStarted(startProducer()) }
                    if isCancelled { machine.consumerCancelled()?.cancel() }
                    return action
                }
                switch action {
                case .startProducer: break
                case .resumeProducer(let producer): producer.resume(returning: true)
                case .finished(let consumer): consumer.resume(returning: nil)
                }
            }
        } onCancel: {
            state.withLock { $0.consumerCancelled() }?.cancel()
        }
    }

    /// The body yields `element`; `false` if it was not delivered because the consumer left or was
    /// cancelled (the body must then stop).
    @inlinable
    func yield(_ element: Element) async -> Bool {
        // A cancelled body (its consumer was cancelled or left) must not deliver, but unwind.
        if Task.isCancelled { return false }
        return await withUnsafeContinuation { (producer: Producer) in
            switch state.withLock({ $0.yield(producer) }) {
            case .resumeConsumer(let consumer): consumer.resume(returning: element)
            case .stopProducer: producer.resume(returning: false)
            }
        }
    }

    /// The iterator was dropped: a body suspended in `yield` is resumed to unwind, and cancelled.
    func consumerLeft() {
        let (producer, task) = state.withLock { $0.consumerLeft() }
        task?.cancel()
        producer?.resume(returning: false)
    }

    /// Starts the body's task, with its consumer's task executor preference if the consumer has one.
    ///
    /// An unstructured task inherits no preference: without it, a consumer running on a one-thread
    /// executor would hand every element across to the global executor's threads and back, waking a
    /// thread each way (measured: 30× slower). Called in the consumer's task, which keeps its
    /// preferred executor alive while it runs; the new task then holds its own reference.
    @usableFromInline
    func startProducer() -> Task<Void, Never> {
        let executor = withUnsafeCurrentTask { $0?.unownedTaskExecutor?.asTaskExecutor() }
        return Task(executorPreference: executor) { [body] in
            let outcome: (any Error)?
            do {
                try await body(AsyncGenerator<Element, any Error>.Yield(storage: self))
                outcome = nil
            } catch {
                outcome = error
            }
            guard let consumer = self.state.withLock({ $0.producerFinished() }) else { return }
            if let outcome { consumer.resume(throwing: outcome) } else { consumer.resume(returning: nil) }
        }
    }
}

/// The generator's logic without threads.
@usableFromInline
struct GeneratorStateMachine<Consumer: Sendable, Producer: Sendable>: Sendable {
    @usableFromInline
    enum State: Sendable {
        /// No `next()` yet: the body has not started.
        case initial
        /// The consumer waits in `next()`; the body runs (started or resumed by that `next()`).
        case producing(Consumer)
        /// The body waits in `yield` for the consumer's next `next()`.
        case yielded(Producer)
        /// The body has returned or thrown, or the consumer left: every later `next()` returns `nil`.
        case finished
    }

    @usableFromInline var state = State.initial
    /// The body's task, once started; cancelled when the consumer is cancelled or leaves.
    @usableFromInline var task: Task<Void, Never>?

    @usableFromInline
    enum NextAction {
        case startProducer
        case resumeProducer(Producer)
        case finished(Consumer)
    }

    @inlinable
    mutating func next(_ consumer: Consumer) -> NextAction {
        switch state {
        case .initial:
            state = .producing(consumer)
            return .startProducer
        case .yielded(let producer):
            state = .producing(consumer)
            return .resumeProducer(producer)
        case .finished, .producing:
            // `.producing` cannot happen: the iterator's `next` is mutating, so calls never overlap.
            return .finished(consumer)
        }
    }

    @inlinable
    mutating func producerStarted(_ task: Task<Void, Never>) {
        self.task = task
    }

    @usableFromInline
    enum YieldAction {
        case resumeConsumer(Consumer)
        case stopProducer
    }

    @inlinable
    mutating func yield(_ producer: Producer) -> YieldAction {
        switch state {
        case .producing(let consumer):
            state = .yielded(producer)
            return .resumeConsumer(consumer)
        case .initial, .yielded, .finished:
            // Only `.finished` can happen: the consumer left while the body was running.
            return .stopProducer
        }
    }

    /// The body returned or threw; the waiting consumer, if any, gets the outcome.
    mutating func producerFinished() -> Consumer? {
        defer {
            state = .finished
            task = nil
        }
        if case .producing(let consumer) = state { return consumer }
        return nil
    }

    /// The consumer's task was cancelled while it waited: the body's task is cancelled too.
    @inlinable
    func consumerCancelled() -> Task<Void, Never>? {
        task
    }

    /// The iterator is gone: a body suspended in `yield` must unwind, and its task is cancelled.
    mutating func consumerLeft() -> (Producer?, Task<Void, Never>?) {
        defer {
            state = .finished
            task = nil
        }
        if case .yielded(let producer) = state { return (producer, task) }
        return (nil, task)
    }
}
