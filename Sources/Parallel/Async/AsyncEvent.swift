/// A flag tasks can wait on: `set()` wakes every waiter, and later waits return at once until
/// `clear()` (Python's `asyncio.Event`).
///
/// Cancellation-safe: a waiter cancelled before the event is set leaves the line and throws
/// `CancellationError`.
///
/// ```swift
/// let ready = AsyncEvent()
/// Task { try await ready.wait(); print("go") }
/// ready.set()
/// ```
public final class AsyncEvent: Sendable {
    typealias Waiter = UnsafeContinuation<Void, any Error>
    private let state = LockedValue(StateMachine<Waiter>())

    /// Creates an event that is not set.
    ///
    /// ```swift
    /// let done = AsyncEvent()
    /// ```
    public init() {}

    /// Whether the event is set (Python's `event.is_set()`).
    ///
    /// ```swift
    /// if done.isSet { return }
    /// ```
    public var isSet: Bool { state.withLock { $0.isSet } }

    /// Sets the event and wakes every waiter (Python's `event.set()`).
    ///
    /// ```swift
    /// done.set()
    /// ```
    public func set() {
        for waiter in state.withLock({ $0.set() }) { waiter.resume() }
    }

    /// Clears the event: later waits suspend until the next `set()` (Python's `event.clear()`).
    ///
    /// ```swift
    /// done.clear()
    /// ```
    public func clear() {
        state.withLock { $0.clear() }
    }

    /// Returns once the event is set, at once if it already is (Python's `await event.wait()`).
    ///
    /// - Throws: `CancellationError` if the task is cancelled before the event is set.
    ///
    /// ```swift
    /// try await done.wait()
    /// ```
    public func wait() async throws {
        if state.withLock({ $0.isSet }) { return }
        let id = state.withLock { $0.makeWaiterID() }
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: Waiter) in
                let cancelled = Task.isCancelled
                switch state.withLock({ $0.wait(id, continuation, isCancelled: cancelled) }) {
                case .resume: continuation.resume()
                case .cancel: continuation.resume(throwing: CancellationError())
                case .suspend: break
                }
            }
        } onCancel: {
            state.withLock { $0.cancel(id) }?.resume(throwing: CancellationError())
        }
    }
}

extension AsyncEvent {
    /// The event's logic without threads: a flag and the waiters suspended until it is set.
    struct StateMachine<Continuation: Sendable>: Sendable {
        private(set) var isSet = false
        private var waiters: [UInt64: Continuation] = [:]
        private var lastWaiterID: UInt64 = 0

        enum WaitAction { case resume, cancel, suspend }

        mutating func makeWaiterID() -> UInt64 {
            lastWaiterID &+= 1
            return lastWaiterID
        }

        /// Sets the flag; returns every waiter, to be resumed outside the lock.
        mutating func set() -> [Continuation] {
            isSet = true
            defer { waiters = [:] }
            return Array(waiters.values)
        }

        mutating func clear() { isSet = false }

        mutating func wait(_ id: UInt64, _ continuation: Continuation, isCancelled: Bool) -> WaitAction {
            if isSet { return .resume }
            if isCancelled { return .cancel }
            waiters[id] = continuation
            return .suspend
        }

        /// Removes the waiter `id` if it is still waiting; `nil` if `set()` already woke it.
        mutating func cancel(_ id: UInt64) -> Continuation? {
            waiters.removeValue(forKey: id)
        }
    }
}
