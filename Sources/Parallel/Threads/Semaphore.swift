/// A counting semaphore for threads (Python's `threading.Semaphore`).
///
/// ``acquire(timeout:)`` takes one permit, blocking while none is left; ``release()`` returns one and
/// wakes one waiter. Waiters are woken in no particular order. For a semaphore that refuses to be
/// released more often than acquired, use ``BoundedSemaphore``.
///
/// Blocking calls are `noasync`: in async code use an async semaphore, which suspends instead.
///
/// ```swift
/// let slots = try Semaphore(value: 2)        // at most two threads inside at once
/// if try slots.acquire(timeout: .seconds(1)) {
///     defer { slots.release() }
///     useTheResource()
/// }
/// ```
public final class Semaphore: Sendable {
    private let condition = Condition()
    private let state: LockedState

    /// Creates a semaphore with `value` permits.
    ///
    /// - Throws: ``InvalidArgumentError`` if `value` is negative.
    ///
    /// ```swift
    /// let semaphore = try Semaphore(value: 0)   // a signal: the first acquire waits for a release
    /// ```
    public init(value: Int = 1) throws(InvalidArgumentError) {
        try InvalidArgumentError.check("value", value, atLeast: 0)
        state = LockedState(permits: value)
    }

    /// Takes a permit, waiting at most `timeout` (`nil`: as long as it takes).
    ///
    /// - Returns: `true` if a permit was taken, `false` if the timeout passed first.
    /// - Throws: ``InvalidArgumentError`` if `timeout` is negative (zero: as ``tryAcquire()``).
    ///
    /// ```swift
    /// guard try semaphore.acquire(timeout: .milliseconds(100)) else { return }   // busy: give up
    /// defer { semaphore.release() }
    /// ```
    @available(*, noasync, message: "blocks the thread; use an async semaphore in async code")
    @discardableResult
    public func acquire(timeout: Duration? = nil) throws(InvalidArgumentError) -> Bool {
        try InvalidArgumentError.checkNonNegative("timeout", timeout)
        let deadline = Deadline.after(timeout)
        return condition.withLock {
            guard condition.wait(for: { state.permits > 0 }, until: deadline) else { return false }
            state.permits -= 1
            return true
        }
    }

    /// Takes a permit if one is free, without blocking (Python's `acquire(blocking=False)`).
    ///
    /// ```swift
    /// if semaphore.tryAcquire() { defer { semaphore.release() }; work() }
    /// ```
    public func tryAcquire() -> Bool {
        condition.withLock {
            guard state.permits > 0 else { return false }
            state.permits -= 1
            return true
        }
    }

    /// Returns a permit and wakes one waiting thread.
    ///
    /// ```swift
    /// semaphore.release()
    /// ```
    public func release() {
        _ = release(upTo: nil)
    }

    /// Returns a permit unless that would make more than `bound` available; `false` if it would.
    func release(upTo bound: Int?) -> Bool {
        condition.withLock {
            if let bound, state.permits >= bound { return false }
            state.permits += 1
            condition.notify()
            return true
        }
    }

    /// The permit count; only read or written while holding `condition.lock`.
    private final class LockedState: @unchecked Sendable {
        // Safe: `permits` is only accessed inside `condition.withLock` in `Semaphore`.
        var permits: Int
        init(permits: Int) { self.permits = permits }
    }
}
