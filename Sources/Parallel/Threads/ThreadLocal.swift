#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value each thread has its own copy of (Python's `threading.local`), on a pthread key.
///
/// A thread that reads ``value`` before writing it gets a fresh value from the `default` factory,
/// made on that thread. Each thread's value is destroyed (released) when that thread exits, so per-thread
/// caches and buffers do not outlive their threads. Values never cross threads, so `Value` need not be
/// `Sendable`.
///
/// Dropping the `ThreadLocal` releases the calling thread's value and deletes the key; values still
/// held by other live threads are then not released (POSIX runs no destructors for a deleted key),
/// so keep thread-locals for as long as the threads that use them — usually: a `static let`.
///
/// ```swift
/// let scratch = try ThreadLocal { [UInt8](repeating: 0, count: 4096) }
/// let worker = try spawnThread { scratch.value[0] = 1; return scratch.value[0] }
/// print(try worker.join(), scratch.value[0])   // 1 0: each thread has its own buffer
/// ```
public final class ThreadLocal<Value>: @unchecked Sendable {
    // Safe: `key` is immutable after init and pthread_getspecific/setspecific are thread-safe; each
    // thread only ever reads and writes the box stored under its own key slot, so no value is shared.
    private let key: pthread_key_t
    private let makeDefault: @Sendable () -> Value

    /// Creates a thread-local slot whose value starts, in every thread, as `makeDefault()`.
    ///
    /// - Throws: ``ThreadError/threadLocalKeyUnavailable(errno:)`` if the process has no pthread key left.
    ///
    /// ```swift
    /// let requestID = try ThreadLocal<Int?> { nil }
    /// ```
    public init(default makeDefault: @escaping @Sendable () -> Value) throws(ThreadError) {
        var key = pthread_key_t()
        let status = pthread_key_create(&key, releaseBox)
        guard status == 0 else { throw .threadLocalKeyUnavailable(errno: status) }
        self.key = key
        self.makeDefault = makeDefault
    }

    deinit {
        if let pointer = pthread_getspecific(key) {
            pthread_setspecific(key, nil)
            Unmanaged<Box>.fromOpaque(pointer).release()
        }
        pthread_key_delete(key)
    }

    /// This thread's value; the first read in a thread makes it with the default factory.
    ///
    /// ```swift
    /// requestID.value = 42        // only this thread sees 42
    /// ```
    public var value: Value {
        get { box.value }
        set { box.value = newValue }
        // In place, so `local.value.append(x)` does not copy the thread's array.
        _modify { yield &box.value }
    }

    /// This thread's box, created with the default value on first use.
    private var box: Box {
        if let pointer = pthread_getspecific(key) {
            return Unmanaged<Box>.fromOpaque(pointer).takeUnretainedValue()
        }
        let box = Box(makeDefault())
        // The key owns one reference, released by `releaseBox` when the thread exits.
        pthread_setspecific(key, Unmanaged.passRetained(box).toOpaque())
        return box
    }

    /// One thread's value.
    private final class Box {
        var value: Value
        init(_ value: Value) { self.value = value }
    }
}

/// The key's destructor: releases the exiting thread's box (and so its value).
#if canImport(Darwin)
private func releaseBox(_ pointer: UnsafeMutableRawPointer) {
    Unmanaged<AnyObject>.fromOpaque(pointer).release()
}
#else
private func releaseBox(_ pointer: UnsafeMutableRawPointer?) {
    guard let pointer else { return }
    Unmanaged<AnyObject>.fromOpaque(pointer).release()
}
#endif
