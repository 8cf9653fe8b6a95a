/// A value that can only be read or changed while holding a ``Lock``.
///
/// This is the building block of Parallel's state machines: the storage holds a `LockedValue<State>`,
/// calls the state machine inside ``withLock(_:)`` and performs the returned action outside it.
///
/// ```swift
/// let counter = LockedValue(0)
/// counter.withLock { $0 += 1 }
/// print(counter.withLock { $0 })   // 1
/// ```
public final class LockedValue<Value> {
    @usableFromInline let lock = Lock()
    @usableFromInline var value: Value

    /// Wraps `value` behind a new lock.
    ///
    /// ```swift
    /// let names = LockedValue([String]())
    /// ```
    public init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` with exclusive access to the value and returns what it returns.
    ///
    /// ```swift
    /// let next = counter.withLock { value in value += 1; return value }
    /// ```
    @inlinable
    public func withLock<T, E: Error>(_ body: (inout Value) throws(E) -> T) throws(E) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

// Safe: `value` is only touched inside `withLock`, which holds `lock` for the whole access, and the
// value itself is `Sendable`, so handing it out of the lock does not share non-thread-safe state.
extension LockedValue: @unchecked Sendable where Value: Sendable {}
