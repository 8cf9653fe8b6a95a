#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutual-exclusion lock on `pthread_mutex_t` (Python's `threading.Lock`).
///
/// `Lock` is the lock used everywhere inside Parallel. It is built on `pthread_mutex` rather than the
/// standard library's `Synchronization.Mutex` because ThreadSanitizer on Linux understands pthread
/// mutexes and cannot see inside `Mutex`, so code guarded by `Lock` can be checked for races.
///
/// The lock is not recursive: locking it twice from one thread deadlocks. Use ``RecursiveLock`` for that.
///
/// ```swift
/// let lock = Lock()
/// var total = 0
/// lock.withLock { total += 1 }
/// ```
public final class Lock: @unchecked Sendable {
    // Safe: the mutex is allocated once, never moved, and every access goes through pthread calls,
    // which are thread-safe by definition. The pointer itself is immutable.
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>

    /// Creates an unlocked lock.
    ///
    /// ```swift
    /// let lock = Lock()
    /// ```
    public init() {
        #if DEBUG
        // Error-checking in debug builds turns misuse (unlocking a lock you do not hold) into a
        // reported error rather than undefined behaviour.
        mutex = makeMutex(type: Int32(PTHREAD_MUTEX_ERRORCHECK))
        #else
        mutex = makeMutex(type: nil)
        #endif
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Acquires the lock, blocking the calling thread until it is available.
    ///
    /// Prefer ``withLock(_:)``, which cannot forget to unlock.
    ///
    /// ```swift
    /// lock.lock(); defer { lock.unlock() }
    /// ```
    @inlinable
    public func lock() {
        let status = pthread_mutex_lock(mutex)
        assert(status == 0, "pthread_mutex_lock failed with \(status)")
    }

    /// Releases the lock. The calling thread must hold it.
    ///
    /// ```swift
    /// lock.lock(); defer { lock.unlock() }
    /// ```
    @inlinable
    public func unlock() {
        let status = pthread_mutex_unlock(mutex)
        assert(status == 0, "pthread_mutex_unlock failed with \(status): the lock was not held by this thread")
    }

    /// Acquires the lock if it is free, without blocking.
    ///
    /// - Returns: `true` if the lock is now held by the caller.
    ///
    /// ```swift
    /// if lock.tryLock() { defer { lock.unlock() }; work() }
    /// ```
    @inlinable
    public func tryLock() -> Bool {
        pthread_mutex_trylock(mutex) == 0
    }

    /// Runs `body` while holding the lock and returns its value.
    ///
    /// ```swift
    /// let snapshot = lock.withLock { items }
    /// ```
    @inlinable
    public func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}

/// A new, initialized mutex of `type` (the default type if nil), for ``Lock`` and ``RecursiveLock``.
func makeMutex(type: Int32?) -> UnsafeMutablePointer<pthread_mutex_t> {
    let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    var attributes = pthread_mutexattr_t()
    pthread_mutexattr_init(&attributes)
    if let type { pthread_mutexattr_settype(&attributes, type) }
    let status = pthread_mutex_init(mutex, &attributes)
    pthread_mutexattr_destroy(&attributes)
    // Only fails for lack of memory (ENOMEM) or bad attributes, which are fixed by the callers: there
    // is nothing a caller could do about it.
    precondition(status == 0, "pthread_mutex_init failed with \(status)")
    return mutex
}
