#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts `body` on a new operating-system thread and returns a handle to join it
/// (Python's `threading.Thread(target=…, name=…).start()`).
///
/// The function is named `spawnThread` (and its handle ``JoinHandle``) so it never clashes with
/// `Foundation.Thread`. The thread is a real pthread, not a task on Swift's cooperative pool, so `body`
/// may block (sleep, read a socket, wait on a ``Condition``) without starving async code. As with
/// Python's daemon threads, the process does not wait for threads when it exits: join the ones whose
/// work must finish.
///
/// - Parameters:
///   - name: the thread's name, shown by debuggers, `top -H` and `/proc/<pid>/task/<tid>/comm`. Linux
///     keeps only the first 15 bytes (cut at a character boundary); ``JoinHandle/name`` keeps all of it.
///     `nil` gives `Thread-1`, `Thread-2`, … as in Python.
///   - stackSize: the thread's stack size in bytes, rounded up to whole pages; `nil` for the system default.
///   - body: the work; its value or thrown error is what ``JoinHandle/join()`` and
///     ``JoinHandle/value`` give back. It runs exactly once.
/// - Throws: ``ThreadError/invalidStackSize(requested:minimum:)`` for a stack below the system
///   minimum, ``ThreadError/couldNotStart(name:errno:)`` when the system refuses a new thread.
///
/// ```swift
/// let handle = try spawnThread(name: "adder") { (1...10).reduce(0, +) }
/// let sum = try handle.join()        // 55; from async code: try await handle.value
/// ```
public func spawnThread<T: Sendable>(
    name: String? = nil,
    stackSize: Int? = nil,
    _ body: sending @escaping () throws -> T
) throws(ThreadError) -> JoinHandle<T> {
    let name = name ?? "Thread-\(unnamedThreadCounter.withLock { $0 += 1; return $0 })"
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    if let stackSize {
        let minimum = sysconf(Int32(_SC_THREAD_STACK_MIN))
        let page = max(1, sysconf(Int32(_SC_PAGESIZE)))
        guard stackSize >= minimum, stackSize <= Int.max - page else {
            throw .invalidStackSize(requested: stackSize, minimum: minimum)
        }
        let rounded = (stackSize + page - 1) / page * page
        guard pthread_attr_setstacksize(&attributes, rounded) == 0 else {
            throw .invalidStackSize(requested: stackSize, minimum: minimum)
        }
    }

    let state = JoinHandle<T>.State()
    let start = ThreadStart(name: name) {
        let result = Result<T, any Error> { try body() }
        let waiters = state.condition.withLock {
            state.outcome = result
            state.condition.notifyAll()
            return state.takeWaiters()
        }
        for waiter in waiters { waiter.resume(with: result) }
    }
    let context = Unmanaged.passRetained(start).toOpaque()
    #if canImport(Darwin)
    var thread: pthread_t?
    #else
    var thread = pthread_t()
    #endif
    let status = pthread_create(&thread, &attributes, threadEntry, context)
    #if canImport(Darwin)
    guard status == 0, let thread else {
        Unmanaged<ThreadStart>.fromOpaque(context).release()
        throw .couldNotStart(name: name, errno: status)
    }
    #else
    guard status == 0 else {
        Unmanaged<ThreadStart>.fromOpaque(context).release()
        throw .couldNotStart(name: name, errno: status)
    }
    #endif
    return JoinHandle(name: name, thread: thread, state: state)
}

/// A handle to a thread started by ``spawnThread(name:stackSize:_:)``: join it for the value its
/// closure returned or the error it threw (Python's `Thread.join()`, which also gives you the value).
///
/// Any number of threads and tasks may join the same handle; each gets the same value or error.
/// After ``join()`` returns, the operating-system thread has exited, so its ``ThreadLocal`` values
/// are destroyed. A handle dropped without joining detaches the thread, which runs to its end and
/// releases its resources by itself.
///
/// ```swift
/// let handle = try spawnThread(name: "io") { try readConfiguration() }
/// print(handle.isAlive)
/// let config = try handle.join()     // rethrows what readConfiguration threw
/// ```
public final class JoinHandle<T: Sendable>: @unchecked Sendable {
    // Safe: `name` and `thread` are immutable; all mutable state lives in `state` and is only touched
    // while holding `state.condition.lock`.

    /// The name the thread was started with, in full (the OS may keep only its first 15 bytes).
    ///
    /// ```swift
    /// print(try spawnThread(name: "loader") { 1 }.name)   // loader
    /// ```
    public let name: String
    private let thread: pthread_t
    private let state: State

    fileprivate init(name: String, thread: pthread_t, state: State) {
        self.name = name
        self.thread = thread
        self.state = state
    }

    deinit {
        // Nobody can join any more: let the thread release its resources when it ends.
        if state.condition.withLock({ state.joinProgress == .notJoined }) { pthread_detach(thread) }
    }

    /// `true` until the thread's closure has returned or thrown (Python's `Thread.is_alive()`).
    ///
    /// ```swift
    /// while handle.isAlive { doSomethingElse() }   // usually: just join
    /// ```
    public var isAlive: Bool {
        state.condition.withLock { state.outcome == nil }
    }

    /// Blocks until the thread has ended, then returns its closure's value or rethrows its error.
    ///
    /// When `join()` returns, the operating-system thread has exited (it was `pthread_join`ed).
    ///
    /// ```swift
    /// let value = try handle.join()
    /// ```
    @available(*, noasync, message: "blocks the thread; use `try await handle.value` in async code")
    public func join() throws -> T {
        // Without a deadline the wait only ends with the outcome, so the loop runs once.
        while true {
            if let outcome = join(until: .distantFuture) { return try outcome.get() }
        }
    }

    /// Waits at most `timeout` for the thread to end: its value (or its error, rethrown) if it ended,
    /// `nil` if it is still running when the time is up (Python's `join(timeout)` + `is_alive()`).
    ///
    /// - Throws: the thread's error; ``InvalidArgumentError`` if `timeout` is negative (zero: do not
    ///   wait).
    ///
    /// ```swift
    /// if let value = try handle.join(timeout: .seconds(1)) { use(value) } else { print("still running") }
    /// ```
    @available(*, noasync, message: "blocks the thread; use `try await handle.value` in async code")
    public func join(timeout: Duration) throws -> T? {
        try InvalidArgumentError.checkNonNegative("timeout", timeout)
        return try join(until: Deadline.after(timeout)).map { try $0.get() }
    }

    /// The closure's value, or its error rethrown, once the thread has ended; suspends without
    /// blocking a thread. Cancelling the awaiting task does not stop the thread: the wait goes on.
    ///
    /// ```swift
    /// let value = try await handle.value
    /// ```
    public var value: T {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let outcome = state.condition.withLock {
                    if state.outcome == nil { state.waiters.append(continuation) }
                    return state.outcome
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        }
    }

    /// Waits for the outcome until `deadline`, then makes sure exactly one caller `pthread_join`s the
    /// thread and that every caller returns only after it has exited. `nil` if the deadline passed.
    private func join(until deadline: Deadline) -> Result<T, any Error>? {
        let (outcome, mustJoin): (Result<T, any Error>?, Bool) = state.condition.withLock {
            while state.outcome == nil {
                if !state.condition.wait(until: deadline) { break }
            }
            guard let outcome = state.outcome else { return (nil, false) }
            switch state.joinProgress {
            case .notJoined:
                state.joinProgress = .joining
                return (outcome, true)
            case .joining:
                // The closure has finished; the joiner's pthread_join ends as soon as the thread exits.
                while state.joinProgress != .joined { _ = state.condition.wait(until: .distantFuture) }
                return (outcome, false)
            case .joined:
                return (outcome, false)
            }
        }
        if mustJoin {
            pthread_join(thread, nil)
            state.condition.withLock {
                state.joinProgress = .joined
                state.condition.notifyAll()
            }
        }
        return outcome
    }

    /// What the thread and its joiners share; every property is guarded by `condition.lock`.
    final class State: @unchecked Sendable {
        // Safe: every mutable property below is read and written only while holding `condition.lock`.
        enum JoinProgress { case notJoined, joining, joined }

        let condition = Condition()
        /// The closure's value or error, once it has ended.
        var outcome: Result<T, any Error>?
        /// Tasks awaiting ``JoinHandle/value`` before the outcome was known.
        var waiters: [CheckedContinuation<T, any Error>] = []
        /// Whether someone has `pthread_join`ed (or is joining) the thread.
        var joinProgress = JoinProgress.notJoined

        /// Removes and returns the waiting tasks (the caller holds the lock).
        func takeWaiters() -> [CheckedContinuation<T, any Error>] {
            defer { waiters = [] }
            return waiters
        }
    }
}

/// Numbers the threads started without a name: `Thread-1`, `Thread-2`, …
private let unnamedThreadCounter = LockedValue(0)

/// What a new thread runs: it names itself, then runs `run`. Passed through `pthread_create` retained.
private final class ThreadStart {
    let name: String
    let run: () -> Void

    init(name: String, run: @escaping () -> Void) {
        self.name = name
        self.run = run
    }
}

/// The pthread start routine: takes ownership of the `ThreadStart`, names the thread and runs it.
#if canImport(Darwin)
private func threadEntry(_ context: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
    runThread(context)
    return nil
}
#else
private func threadEntry(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    if let context { runThread(context) }
    return nil
}
#endif

private func runThread(_ context: UnsafeMutableRawPointer) {
    let start = Unmanaged<ThreadStart>.fromOpaque(context).takeRetainedValue()
    let shortName = osThreadName(start.name)
    #if canImport(Darwin)
    pthread_setname_np(shortName)
    #else
    _ = linuxSetThreadName?(pthread_self(), shortName)
    #endif
    start.run()
}

#if !canImport(Darwin)
/// glibc's `pthread_setname_np`, which Swift's Glibc module does not import (it is declared only under
/// `_GNU_SOURCE`), looked up once at run time; `nil` on a C library without it (the name is then kept
/// only in ``JoinHandle/name``).
private let linuxSetThreadName: (@convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32)? = {
    guard let symbol = dlsym(nil, "pthread_setname_np") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32).self)
}()
#endif

/// `name` cut to the 15 bytes Linux keeps for a thread name, at a character boundary.
func osThreadName(_ name: String) -> String {
    var result = ""
    var bytes = 0
    for character in name {
        let width = character.utf8.count
        if bytes + width > 15 { break }
        bytes += width
        result.append(character)
    }
    return result
}
