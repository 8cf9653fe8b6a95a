/// A meeting point for a fixed number of tasks: each `wait()` suspends until `parties` tasks are
/// waiting, then all of them go on together; the barrier then resets for the next round (Python's
/// `asyncio.Barrier`).
///
/// A waiter cancelled before the round is complete leaves it (the round then needs another task)
/// and throws `CancellationError`. ``abort()`` breaks the barrier: every current and future `wait()`
/// throws ``AsyncBarrierError/broken`` (Python's `BrokenBarrierError`). ``reset()`` fails the tasks
/// waiting in the current round with that error and makes the barrier empty and usable again, also
/// after an abort.
///
/// ```swift
/// let barrier = try AsyncBarrier(parties: 3)
/// await withThrowingTaskGroup(of: Void.self) { group in
///     for _ in 0..<3 { group.addTask { try await barrier.wait() } }   // all three pass together
/// }
/// ```
public final class AsyncBarrier: Sendable {
    typealias Waiter = UnsafeContinuation<Int, any Error>
    private let state: LockedValue<StateMachine<Waiter>>

    /// The number of tasks that must wait before all go on (at least 1).
    public let parties: Int

    /// Creates a barrier for `parties` tasks.
    ///
    /// - Throws: ``InvalidArgumentError`` if `parties` is less than 1.
    ///
    /// ```swift
    /// let barrier = try AsyncBarrier(parties: 4)
    /// ```
    public init(parties: Int) throws(InvalidArgumentError) {
        try InvalidArgumentError.check("parties", parties, atLeast: 1)
        self.parties = parties
        state = LockedValue(StateMachine(parties: parties))
    }

    /// Waits until `parties` tasks wait, then returns this task's arrival index in its round,
    /// from 0 to `parties - 1` (Python's `await barrier.wait()`).
    ///
    /// - Throws: `CancellationError` if cancelled before the round completes;
    ///   ``AsyncBarrierError/broken`` if the barrier is or gets aborted.
    ///
    /// ```swift
    /// let index = try await barrier.wait()
    /// if index == 0 { print("everyone arrived") }
    /// ```
    public func wait() async throws -> Int {
        let id = state.withLock { $0.makeWaiterID() }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: Waiter) in
                let cancelled = Task.isCancelled
                switch state.withLock({ $0.arrive(id, continuation, isCancelled: cancelled) }) {
                case .suspend: break
                case .cancel: continuation.resume(throwing: CancellationError())
                case .broken: continuation.resume(throwing: AsyncBarrierError.broken)
                case .release(let round):
                    for (index, waiter) in round.enumerated() { waiter.resume(returning: index) }
                }
            }
        } onCancel: {
            state.withLock { $0.cancel(id) }?.resume(throwing: CancellationError())
        }
    }

    /// Breaks the barrier: every waiting and future `wait()` throws ``AsyncBarrierError/broken``
    /// (Python's `await barrier.abort()`).
    ///
    /// ```swift
    /// barrier.abort()
    /// ```
    public func abort() {
        for waiter in state.withLock({ $0.abort() }) { waiter.resume(throwing: AsyncBarrierError.broken) }
    }

    /// Whether the barrier was aborted (Python's `barrier.broken`).
    ///
    /// ```swift
    /// if barrier.isBroken { return }
    /// ```
    public var isBroken: Bool { state.withLock { $0.isBroken } }

    /// Returns the barrier to its initial state (Python's `await barrier.reset()`): the tasks waiting
    /// in the current round throw ``AsyncBarrierError/broken``; a broken barrier is usable again; the
    /// next `wait()` starts a new round.
    ///
    /// ```swift
    /// if barrier.isBroken { barrier.reset() }
    /// ```
    public func reset() {
        for waiter in state.withLock({ $0.reset() }) { waiter.resume(throwing: AsyncBarrierError.broken) }
    }
}

/// Why ``AsyncBarrier/wait()`` failed.
///
/// ```swift
/// do { _ = try await barrier.wait() } catch AsyncBarrierError.broken { print("aborted") }
/// ```
public enum AsyncBarrierError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The barrier was aborted (before or while this task waited), or reset while this task waited
    /// (Python's `BrokenBarrierError`).
    case broken

    public var description: String {
        switch self {
        case .broken: "the barrier was aborted, or reset while this task waited; after abort(), call reset() before using it again"
        }
    }
}

extension AsyncBarrier {
    /// The barrier's logic without threads: the current round's waiters, in arrival order.
    struct StateMachine<Continuation: Sendable>: Sendable {
        let parties: Int
        private(set) var isBroken = false
        private var waiting: [(id: UInt64, continuation: Continuation)] = []
        private var lastWaiterID: UInt64 = 0

        init(parties: Int) { self.parties = parties }

        enum ArriveAction {
            case suspend
            case cancel
            case broken
            /// The round is complete: resume these, in arrival order, with their index.
            case release([Continuation])
        }

        mutating func makeWaiterID() -> UInt64 {
            lastWaiterID &+= 1
            return lastWaiterID
        }

        mutating func arrive(_ id: UInt64, _ continuation: Continuation, isCancelled: Bool) -> ArriveAction {
            if isBroken { return .broken }
            if isCancelled { return .cancel }
            waiting.append((id, continuation))
            guard waiting.count == parties else { return .suspend }
            defer { waiting = [] }
            return .release(waiting.map(\.continuation))
        }

        mutating func cancel(_ id: UInt64) -> Continuation? {
            guard let index = waiting.firstIndex(where: { $0.id == id }) else { return nil }
            return waiting.remove(at: index).continuation
        }

        /// Back to the initial state, unbroken; the current round's waiters are returned, to be
        /// resumed with ``AsyncBarrierError/broken``.
        mutating func reset() -> [Continuation] {
            isBroken = false
            defer { waiting = [] }
            return waiting.map(\.continuation)
        }

        mutating func abort() -> [Continuation] {
            isBroken = true
            defer { waiting = [] }
            return waiting.map(\.continuation)
        }
    }
}
