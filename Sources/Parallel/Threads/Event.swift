/// A flag threads can wait for (Python's `threading.Event`).
///
/// ``set()`` raises the flag and wakes every waiter; while it is set, ``wait(timeout:)`` returns at
/// once. ``clear()`` lowers it again. A waiter woken by `set()` returns `true` even if another thread
/// clears the flag right after.
///
/// ```swift
/// let ready = Event()
/// let worker = try spawnThread { ready.wait(timeout: .seconds(5)) }
/// ready.set()
/// print(try worker.join())   // true
/// ```
public final class Event: Sendable {
    private let condition = Condition()
    private let state = LockedState()

    /// Creates an event whose flag is not set.
    ///
    /// ```swift
    /// let done = Event()
    /// ```
    public init() {}

    /// Whether the flag is set (Python's `is_set()`).
    ///
    /// ```swift
    /// if done.isSet { return }
    /// ```
    public var isSet: Bool {
        condition.withLock { state.flag }
    }

    /// Sets the flag and wakes every waiting thread.
    ///
    /// ```swift
    /// done.set()
    /// ```
    public func set() {
        condition.withLock {
            state.flag = true
            // A new generation tells the woken waiters that they were set, even if the flag is
            // cleared again before they run.
            state.generation &+= 1
            condition.notifyAll()
        }
    }

    /// Lowers the flag; later waiters block until the next ``set()``.
    ///
    /// ```swift
    /// done.clear()
    /// ```
    public func clear() {
        condition.withLock { state.flag = false }
    }

    /// Blocks until the flag is set or `timeout` passes (`nil`: as long as it takes).
    ///
    /// - Returns: `true` if the flag was set, `false` if the timeout passed first.
    /// - Throws: ``InvalidArgumentError`` if `timeout` is negative (zero: check the flag, do not wait).
    ///
    /// ```swift
    /// if try !done.wait(timeout: .seconds(1)) { print("gave up after a second") }
    /// ```
    @available(*, noasync, message: "blocks the thread; use an async event in async code")
    @discardableResult
    public func wait(timeout: Duration? = nil) throws(InvalidArgumentError) -> Bool {
        try InvalidArgumentError.checkNonNegative("timeout", timeout)
        let deadline = Deadline.after(timeout)
        return condition.withLock {
            if state.flag { return true }
            let generation = state.generation
            return condition.wait(for: { state.generation != generation }, until: deadline)
        }
    }

    /// The flag and the number of `set()` calls; only touched while holding `condition.lock`.
    private final class LockedState: @unchecked Sendable {
        // Safe: both properties are only accessed inside `condition.withLock` in `Event`.
        var flag = false
        var generation: UInt64 = 0
    }
}
