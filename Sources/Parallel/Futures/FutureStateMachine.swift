/// The life of one ``Future``: pending → running → finished | failed, or pending → cancelled.
///
/// A plain value: the ``Future`` holds it under its lock, calls one `mutating` event per change and
/// performs the returned action (running callbacks) *after* releasing the lock, so a callback can
/// never deadlock on the future it belongs to.
///
/// It is `@usableFromInline` with `@inlinable` events so that a client's `submit` and `result` are
/// specialised for its value type: unspecialised generic code looks up type metadata at run time on
/// every call, which was the largest cost of a trivial task.
@usableFromInline
struct FutureStateMachine<Value: Sendable>: Sendable {
    @usableFromInline typealias Outcome = Result<Value, any Error>
    @usableFromInline typealias Callback = @Sendable (Outcome) -> Void

    /// A completion callback and, for internal waiters that may give up, the owner that can remove it.
    @usableFromInline
    struct Registration: Sendable {
        @usableFromInline let owner: ObjectIdentifier?
        @usableFromInline let callback: Callback

        @inlinable
        init(owner: ObjectIdentifier?, callback: @escaping Callback) {
            self.owner = owner
            self.callback = callback
        }
    }

    @usableFromInline
    enum State: Sendable {
        /// Created, not started. Reached at creation. Can still be cancelled.
        case pending([Registration])
        /// Its work is executing. Reached by ``start()`` from `pending`.
        case running([Registration])
        /// Completed with a value. Reached by ``complete(_:)`` from `pending` or `running`.
        case finished(Value)
        /// Completed with the error its work threw. Reached by ``complete(_:)``.
        case failed(any Error)
        /// Cancelled before it started. Reached by ``cancel()`` from `pending`.
        case cancelled
    }

    /// What the owner must do outside the lock after an event.
    @usableFromInline
    enum Action: Sendable {
        case none
        /// Call each callback once with the outcome, in registration order.
        case runCallbacks([Registration], Outcome)
    }

    @usableFromInline var state: State = .pending([])

    @inlinable init() {}

    /// The outcome once done; `nil` while pending or running.
    @inlinable var outcome: Outcome? {
        switch state {
        case .pending, .running: return nil
        case .finished(let value): return .success(value)
        case .failed(let error): return .failure(error)
        case .cancelled: return .failure(FutureError.cancelled)
        }
    }

    /// pending → running. Returns `false` if the future was cancelled (or already started): then the
    /// work must not run (Python's `set_running_or_notify_cancel`).
    @inlinable mutating func start() -> Bool {
        guard case .pending(let callbacks) = state else { return false }
        state = .running(callbacks)
        return true
    }

    /// pending → cancelled. Returns whether the future is cancelled now, and the callbacks to run.
    @inlinable mutating func cancel() -> (cancelled: Bool, action: Action) {
        switch state {
        case .pending(let callbacks):
            state = .cancelled
            return (true, .runCallbacks(callbacks, .failure(FutureError.cancelled)))
        case .cancelled:
            return (true, .none)
        case .running, .finished, .failed:
            return (false, .none)
        }
    }

    /// pending | running → finished | failed. Does nothing once done (the first outcome wins).
    @inlinable mutating func complete(_ outcome: Outcome) -> Action {
        let callbacks: [Registration]
        switch state {
        case .pending(let registered), .running(let registered): callbacks = registered
        case .finished, .failed, .cancelled: return .none
        }
        switch outcome {
        case .success(let value): state = .finished(value)
        case .failure(let error): state = .failed(error)
        }
        return .runCallbacks(callbacks, outcome)
    }

    /// Registers `registration`, or returns it to be run at once (outside the lock) if already done.
    @inlinable mutating func add(_ registration: Registration) -> Action {
        switch state {
        case .pending(var callbacks):
            state = .pending([])  // keep the array uniquely referenced while appending
            callbacks.append(registration)
            state = .pending(callbacks)
        case .running(var callbacks):
            state = .running([])
            callbacks.append(registration)
            state = .running(callbacks)
        case .finished, .failed, .cancelled:
            // `outcome` is non-nil in these states.
            return outcome.map { .runCallbacks([registration], $0) } ?? .none
        }
        return .none
    }

    /// Forgets the callbacks `owner` registered (a waiter that timed out).
    @inlinable mutating func removeCallbacks(of owner: ObjectIdentifier) {
        switch state {
        case .pending(var callbacks):
            state = .pending([])
            callbacks.removeAll { $0.owner == owner }
            state = .pending(callbacks)
        case .running(var callbacks):
            state = .running([])
            callbacks.removeAll { $0.owner == owner }
            state = .running(callbacks)
        case .finished, .failed, .cancelled:
            break
        }
    }
}

extension FutureStateMachine.Action {
    /// Runs the callbacks; call only after releasing the future's lock.
    @inlinable func perform() {
        guard case .runCallbacks(let callbacks, let outcome) = self else { return }
        for registration in callbacks { registration.callback(outcome) }
    }
}
