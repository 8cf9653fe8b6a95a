/// A meeting point for a fixed number of threads (Python's `threading.Barrier`).
///
/// Each of `parties` threads calls ``wait(timeout:)``; all of them block until the last one arrives,
/// then all are released together and the barrier is ready for the next round. Before the others are
/// released, the last thread to arrive runs the optional `action` (outside the barrier's lock).
///
/// If anything goes wrong in a round — a waiter times out, the action throws, ``abort()`` is called,
/// or ``reset()`` is called while threads wait — the barrier breaks: every thread waiting in that round
/// and every later caller gets ``BarrierError/broken`` (the action's own thread gets
/// ``BarrierError/actionFailed(_:)``), until ``reset()``.
///
/// ```swift
/// let barrier = try Barrier(parties: 3) { print("all three arrived") }
/// let workers = try (0..<3).map { _ in try spawnThread { try barrier.wait() } }
/// let arrivalIndices = try workers.map { try $0.join() }   // a permutation of 0, 1, 2
/// ```
public final class Barrier: Sendable {
    /// How many threads must call ``wait(timeout:)`` to open the barrier.
    ///
    /// ```swift
    /// print(try Barrier(parties: 3).parties)   // 3
    /// ```
    public let parties: Int
    private let defaultTimeout: Duration?
    private let action: (@Sendable () throws -> Void)?
    private let condition = Condition()
    private let state = LockedState()

    /// Creates a barrier for `parties` threads.
    ///
    /// - Parameters:
    ///   - parties: the number of threads that must arrive; at least 1.
    ///   - timeout: the default for ``wait(timeout:)`` calls that pass none (`nil`: wait forever).
    ///   - action: run once per round by the last thread to arrive, before the others are released.
    /// - Throws: ``InvalidArgumentError`` if `parties` is less than 1 or `timeout` is negative.
    ///
    /// ```swift
    /// let barrier = try Barrier(parties: 2, timeout: .seconds(5))
    /// ```
    public init(
        parties: Int,
        timeout: Duration? = nil,
        action: (@Sendable () throws -> Void)? = nil
    ) throws(InvalidArgumentError) {
        try InvalidArgumentError.check("parties", parties, atLeast: 1)
        try InvalidArgumentError.checkNonNegative("timeout", timeout)
        self.parties = parties
        self.defaultTimeout = timeout
        self.action = action
    }

    /// Waits until all ``parties`` threads have called `wait`, then returns this thread's arrival
    /// index, from 0 (first) to `parties - 1` (last; the one that ran the action).
    ///
    /// - Parameter timeout: how long to wait; `nil` uses the barrier's default. Timing out breaks
    ///   the barrier for everyone.
    /// - Throws: ``BarrierError/broken`` if the barrier is or becomes broken,
    ///   ``BarrierError/actionFailed(_:)`` in the thread whose action threw, ``InvalidArgumentError``
    ///   if `timeout` is negative (the barrier stays as it was).
    ///
    /// ```swift
    /// let index = try barrier.wait(timeout: .seconds(1))
    /// if index == 0 { print("I was first") }
    /// ```
    @available(*, noasync, message: "blocks the thread; coordinate async tasks with a task group instead")
    @discardableResult
    public func wait(timeout: Duration? = nil) throws -> Int {
        try InvalidArgumentError.checkNonNegative("timeout", timeout)
        return try wait(until: Deadline.after(timeout ?? defaultTimeout))
    }

    private func wait(until deadline: Deadline) throws(BarrierError) -> Int {
        condition.lock.lock()
        defer { condition.lock.unlock() }

        // The previous round is still running its action, letting its threads out or resetting:
        // this thread belongs to the next round, so wait for it to start.
        _ = condition.wait(
            for: { state.phase == .filling || state.phase == .broken },
            until: .distantFuture
        )
        if state.phase == .broken { throw .broken }
        let index = state.count
        state.count += 1
        defer { leave() }

        if index + 1 == parties {
            if let action {
                state.phase = .runningAction
                condition.lock.unlock()
                let failure: (any Error)? = { () -> (any Error)? in
                    do { try action(); return nil } catch { return error }
                }()
                condition.lock.lock()
                if let failure {
                    breakBarrier()
                    throw .actionFailed(failure)
                }
                // abort() or reset() while the action ran broke this round.
                if state.phase != .runningAction { throw .broken }
            }
            state.phase = .draining
            condition.notifyAll()
            return index
        }

        let released = condition.wait(
            for: { state.phase == .draining || state.phase == .broken || state.phase == .resetting },
            until: deadline
        )
        guard released else {
            breakBarrier()
            throw .broken
        }
        if state.phase != .draining { throw .broken }
        return index
    }

    /// Returns the barrier to its initial state. Threads waiting in the current round get
    /// ``BarrierError/broken``; a broken barrier becomes usable again (Python's `reset()`).
    ///
    /// ```swift
    /// if barrier.isBroken { barrier.reset() }
    /// ```
    public func reset() {
        condition.withLock {
            if state.count > 0 {
                // Let the waiters of this round leave with `.broken`; the last one out refills.
                if state.phase != .draining { state.phase = .resetting }
            } else {
                state.phase = .filling
            }
            condition.notifyAll()
        }
    }

    /// Breaks the barrier: every current and later ``wait(timeout:)`` throws ``BarrierError/broken``
    /// until ``reset()``. Use it to release waiting threads when a peer cannot arrive.
    ///
    /// ```swift
    /// barrier.abort()
    /// ```
    public func abort() {
        condition.withLock { breakBarrier() }
    }

    /// Whether the barrier is broken (Python's `broken`).
    ///
    /// ```swift
    /// print(barrier.isBroken)
    /// ```
    public var isBroken: Bool {
        condition.withLock { state.phase == .broken }
    }

    /// How many threads are waiting in the current round (Python's `n_waiting`).
    ///
    /// ```swift
    /// print(barrier.waitingCount, "of", barrier.parties, "arrived")
    /// ```
    public var waitingCount: Int {
        condition.withLock { state.phase == .filling || state.phase == .runningAction ? state.count : 0 }
    }

    /// Marks the barrier broken and wakes every waiter (the caller holds the lock).
    private func breakBarrier() {
        state.phase = .broken
        condition.notifyAll()
    }

    /// One thread leaves the current round; the last one out readies the next (the caller holds the lock).
    private func leave() {
        state.count -= 1
        if state.count == 0, state.phase == .draining || state.phase == .resetting {
            state.phase = .filling
            condition.notifyAll()
        }
    }

    /// The round's progress; only touched while holding `condition.lock`.
    private final class LockedState: @unchecked Sendable {
        // Safe: both properties are only accessed while `Barrier` holds `condition.lock`.
        enum Phase {
            /// Threads are arriving; `count` of them wait.
            case filling
            /// The last thread runs the action, outside the lock; the others keep waiting.
            case runningAction
            /// The round is complete; its threads are leaving. New arrivals wait for the next round.
            case draining
            /// `reset()` was called while threads waited; they leave with `.broken`.
            case resetting
            /// Broken until `reset()`.
            case broken
        }

        var phase = Phase.filling
        /// Threads that have entered the current round and not yet left.
        var count = 0
    }
}
