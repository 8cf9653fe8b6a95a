#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A lock the thread holding it may acquire again (Python's `threading.RLock`), on a
/// `pthread_mutex` of type `PTHREAD_MUTEX_RECURSIVE`, so ThreadSanitizer understands it.
///
/// Each ``lock()`` must be balanced by one ``unlock()`` from the same thread; the lock is free again
/// when the last one is released. Other threads block until then. Prefer ``withLock(_:)``.
///
/// ```swift
/// let lock = RecursiveLock()
/// lock.withLock {
///     lock.withLock { print("nested: fine") }   // a plain Lock would deadlock here
/// }
/// ```
public final class RecursiveLock: @unchecked Sendable {
    // Safe: the mutex is allocated once, never moved, and only used through pthread calls, which are
    // thread-safe. The pointer itself is immutable.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    /// Creates an unlocked recursive lock.
    ///
    /// ```swift
    /// let lock = RecursiveLock()
    /// ```
    public init() {
        mutex = makeMutex(type: Int32(PTHREAD_MUTEX_RECURSIVE))
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Acquires the lock, blocking unless this thread already holds it (then the hold count goes up).
    ///
    /// ```swift
    /// lock.lock(); defer { lock.unlock() }
    /// ```
    public func lock() {
        let status = pthread_mutex_lock(mutex)
        assert(status == 0, "pthread_mutex_lock failed with \(status)")
    }

    /// Releases one hold; the lock is free when every ``lock()`` has been balanced. Only the holding
    /// thread may call it.
    ///
    /// ```swift
    /// lock.lock(); defer { lock.unlock() }
    /// ```
    public func unlock() {
        let status = pthread_mutex_unlock(mutex)
        assert(status == 0, "pthread_mutex_unlock failed with \(status): the lock was not held by this thread")
    }

    /// Acquires the lock without blocking: `true` if this thread now holds it (again).
    ///
    /// ```swift
    /// if lock.tryLock() { defer { lock.unlock() }; work() }
    /// ```
    public func tryLock() -> Bool {
        pthread_mutex_trylock(mutex) == 0
    }

    /// Runs `body` while holding the lock; `body` may take the lock again.
    ///
    /// ```swift
    /// let total = lock.withLock { lock.withLock { 1 } + 1 }
    /// ```
    public func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}
