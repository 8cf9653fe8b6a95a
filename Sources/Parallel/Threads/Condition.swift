#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A condition variable bound to a ``Lock`` (Python's `threading.Condition`).
///
/// Threads wait for a state change while holding the lock; the lock is released during the wait and
/// re-acquired before `wait` returns. Always re-check the state after waking: use
/// ``wait(for:timeout:)`` with a predicate, which does that for you.
///
/// Blocking calls are `noasync`: never block Swift's cooperative thread pool.
///
/// ```swift
/// let condition = Condition()
/// var ready = false
/// // consumer:
/// condition.withLock { _ = condition.wait(for: { ready }, timeout: .seconds(1)) }
/// // producer:
/// condition.withLock { ready = true; condition.notifyAll() }
/// ```
public final class Condition: @unchecked Sendable {
    // Safe: the condition variable is allocated once and only used through pthread calls, together
    // with `lock`, which is itself thread-safe.
    /// The lock this condition waits with.
    public let lock: Lock
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    /// Creates a condition that waits with `lock` (a new lock by default).
    ///
    /// ```swift
    /// let condition = Condition(lock: Lock())
    /// ```
    public init(lock: Lock = Lock()) {
        self.lock = lock
        condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        #if !canImport(Darwin)
        // Time out on the monotonic clock, like `Deadline`, so wall-clock jumps do not matter.
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        #endif
        let status = pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
        precondition(status == 0, "pthread_cond_init failed with \(status)")
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
    }

    /// Runs `body` while holding the condition's lock.
    ///
    /// ```swift
    /// condition.withLock { items.append(x); condition.notify() }
    /// ```
    @inlinable
    public func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        try lock.withLock(body)
    }

    /// Waits until notified or until `timeout` passes. The caller must hold ``lock``.
    ///
    /// Spurious wake-ups are possible, as with every condition variable: re-check your state.
    ///
    /// - Returns: `false` if the timeout passed, `true` otherwise.
    /// - Throws: ``InvalidArgumentError`` if `timeout` is negative (zero: do not wait).
    ///
    /// ```swift
    /// try condition.withLock { _ = try condition.wait(timeout: .milliseconds(100)) }
    /// ```
    @available(*, noasync, message: "blocks the thread; use an async primitive from Parallel instead")
    @discardableResult
    public func wait(timeout: Duration? = nil) throws(InvalidArgumentError) -> Bool {
        try InvalidArgumentError.checkNonNegative("timeout", timeout)
        return wait(until: Deadline.after(timeout))
    }

    /// Waits until `predicate` is true or `timeout` passes. The caller must hold ``lock``.
    ///
    /// - Returns: the predicate's last value (`false` means the wait timed out).
    /// - Throws: what `predicate` throws; ``InvalidArgumentError`` if `timeout` is negative (zero:
    ///   check once, do not wait).
    ///
    /// ```swift
    /// try condition.withLock { try condition.wait(for: { !queue.isEmpty }, timeout: .seconds(1)) }
    /// ```
    @available(*, noasync, message: "blocks the thread; use an async primitive from Parallel instead")
    @discardableResult
    public func wait(for predicate: () throws -> Bool, timeout: Duration? = nil) throws -> Bool {
        try InvalidArgumentError.checkNonNegative("timeout", timeout)
        return try wait(for: predicate, until: Deadline.after(timeout))
    }

    /// Wakes one thread waiting on this condition. The caller should hold ``lock``.
    ///
    /// ```swift
    /// condition.withLock { condition.notify() }
    /// ```
    public func notify() {
        pthread_cond_signal(condition)
    }

    /// Wakes up to `count` threads waiting on this condition (Python's `notify(n)`; 0 wakes none).
    /// The caller should hold ``lock``.
    ///
    /// - Throws: ``InvalidArgumentError`` if `count` is negative.
    ///
    /// ```swift
    /// try condition.withLock { try condition.notify(2) }
    /// ```
    public func notify(_ count: Int) throws(InvalidArgumentError) {
        try InvalidArgumentError.check("count", count, atLeast: 0)
        for _ in 0..<count { pthread_cond_signal(condition) }
    }

    /// Wakes every thread waiting on this condition. The caller should hold ``lock``.
    ///
    /// ```swift
    /// condition.withLock { done = true; condition.notifyAll() }
    /// ```
    public func notifyAll() {
        pthread_cond_broadcast(condition)
    }

    // MARK: Deadline-based waits, for the package's own primitives.

    /// Waits until notified or until `deadline`; `false` if the deadline passed.
    @usableFromInline
    func wait(until deadline: Deadline) -> Bool {
        if deadline == .distantFuture {
            pthread_cond_wait(condition, lock.mutex)
            return true
        }
        if deadline.hasPassed { return false }
        #if canImport(Darwin)
        guard let remaining = deadline.remaining else { return true }
        let (seconds, attoseconds) = remaining.components
        var relative = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        return pthread_cond_timedwait_relative_np(condition, lock.mutex, &relative) != ETIMEDOUT
        #else
        var absolute = timespec(
            tv_sec: Int(deadline.nanoseconds / 1_000_000_000),
            tv_nsec: Int(deadline.nanoseconds % 1_000_000_000)
        )
        return pthread_cond_timedwait(condition, lock.mutex, &absolute) != ETIMEDOUT
        #endif
    }

    /// Waits until `predicate` holds or `deadline` passes; returns the predicate's last value.
    @usableFromInline
    func wait(for predicate: () throws -> Bool, until deadline: Deadline) rethrows -> Bool {
        while try !predicate() {
            if !wait(until: deadline) { return try predicate() }
        }
        return true
    }
}
