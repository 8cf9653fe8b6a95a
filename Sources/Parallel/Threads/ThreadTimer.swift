/// Runs a closure once, after a delay, on its own thread, unless cancelled first
/// (Python's `threading.Timer`).
///
/// Named `ThreadTimer` so it never clashes with `Foundation.Timer`. The timer starts when it is
/// created. Its thread waits on a ``Condition`` until the deadline, so ``cancel()`` takes effect at
/// once: if `cancel()` returns `true`, the closure never runs. Dropping the timer does not cancel it.
///
/// ```swift
/// let reminder = try ThreadTimer(after: .seconds(30)) { print("still working…") }
/// finishWork()
/// reminder.cancel()     // finished in time: the message never prints
/// ```
public final class ThreadTimer: Sendable {
    /// The timer thread's handle; its value is whether the closure ran.
    private let thread: JoinHandle<Bool>
    private let condition: Condition
    private let state: LockedState

    /// Starts a timer that runs `body` on a new thread named `name` once `delay` has passed.
    ///
    /// - Throws: ``ThreadError/couldNotStart(name:errno:)`` if the system refuses a new thread,
    ///   ``InvalidArgumentError`` if `delay` is negative (zero: run as soon as the thread starts).
    ///
    /// ```swift
    /// let timer = try ThreadTimer(after: .milliseconds(500), name: "flush") { flushLogs() }
    /// ```
    public init(
        after delay: Duration,
        name: String = "Timer",
        _ body: @escaping @Sendable () -> Void
    ) throws {
        try InvalidArgumentError.checkNonNegative("delay", delay)
        let condition = Condition()
        let state = LockedState()
        let deadline = Deadline.after(delay)
        thread = try spawnThread(name: name) {
            let fire = condition.withLock {
                _ = condition.wait(for: { state.phase != .waiting }, until: deadline)
                guard state.phase == .waiting else { return false }
                state.phase = .fired
                return true
            }
            if fire { body() }
            return fire
        }
        self.condition = condition
        self.state = state
    }

    /// Cancels the timer if it has not fired yet (Python's `cancel()`).
    ///
    /// - Returns: `true` if the timer was still waiting: its closure will never run. `false` if it
    ///   had already fired (the closure runs or ran) or was already cancelled.
    ///
    /// ```swift
    /// if timer.cancel() { print("stopped in time") }
    /// ```
    @discardableResult
    public func cancel() -> Bool {
        condition.withLock {
            guard state.phase == .waiting else { return false }
            state.phase = .cancelled
            condition.notifyAll()
            return true
        }
    }

    /// Blocks until the timer's thread has ended: the closure has run, or the timer was cancelled.
    ///
    /// - Returns: whether the closure ran.
    ///
    /// ```swift
    /// let fired = timer.join()
    /// ```
    @available(*, noasync, message: "blocks the thread; use `await timer.value` in async code")
    @discardableResult
    public func join() -> Bool {
        // The timer's closure does not throw, so neither does its thread.
        (try? thread.join()) ?? false
    }

    /// Whether the closure ran, once the timer's thread has ended; suspends without blocking a thread.
    ///
    /// ```swift
    /// let fired = await timer.value
    /// ```
    public var value: Bool {
        get async { (try? await thread.value) ?? false }
    }

    /// The timer's progress; only touched while holding `condition.lock`.
    private final class LockedState: @unchecked Sendable {
        // Safe: `phase` is only accessed inside `condition.withLock`, by the timer thread and `cancel()`.
        enum Phase { case waiting, fired, cancelled }
        var phase = Phase.waiting
    }
}
