import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A pool of dedicated OS threads that runs blocking work and hands back ``Future``s (Python's
/// `concurrent.futures.ThreadPoolExecutor`).
///
/// - Threads are real pthreads (not Dispatch, not Swift's cooperative pool), started lazily — one per
///   submission while no thread is idle, up to `maxWorkers` — and reused. They are named
///   `"<threadNamePrefix>_<n>"` (Linux keeps the first 15 bytes). A thread counts as idle as soon as
///   its task returns, before its future wakes anyone, so `submit` right after `result()` reuses it.
/// - Work runs in submission order (first in, first out), at most `maxWorkers` at a time.
/// - ``shutdown(wait:cancelPending:)`` stops new work; later submissions throw
///   ``ThreadPoolExecutorError/shutDown`` instead of hanging. Dropping the last reference to an executor
///   shuts it down without waiting: queued work still runs, then its threads exit.
/// - If the `initializer` throws on any thread, the pool is *broken*: queued and later work fails with
///   ``ThreadPoolExecutorError/broken(reason:)`` (Python's `BrokenThreadPool`).
/// - From async code, ``run(_:)`` suspends the caller while a pool thread does the blocking work; the
///   executor is also a `TaskExecutor`, so `withTaskExecutorPreference(executor) { … }` runs async
///   code on its threads.
///
/// ```swift
/// let executor = try ThreadPoolExecutor(maxWorkers: 3)
/// let future = try executor.submit { "Executed in thread Thread-1" }
/// print(try future.result())
/// executor.shutdown()
/// ```
public final class ThreadPoolExecutor: Sendable {
    /// The most threads this pool runs at once.
    ///
    /// ```swift
    /// print(try ThreadPoolExecutor(maxWorkers: 3).maxWorkers)   // 3
    /// ```
    public let maxWorkers: Int

    /// The prefix of its threads' names: threads are named `"<prefix>_<n>"`.
    ///
    /// ```swift
    /// print(try ThreadPoolExecutor(threadNamePrefix: "io").threadNamePrefix)   // "io"
    /// ```
    public let threadNamePrefix: String
    @usableFromInline let storage: ThreadPoolStorage
    /// `shared` ignores shutdown: the whole process relies on it.
    private let isShared: Bool

    /// The default size: `min(32, cores + 4)`, as Python's — enough threads to overlap blocking I/O
    /// without oversubscribing the CPU too much.
    ///
    /// ```swift
    /// print(ThreadPoolExecutor.defaultMaxWorkers)   // 6 on a 2-core machine
    /// ```
    public static var defaultMaxWorkers: Int {
        min(32, max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) + 4)
    }

    /// The process-wide pool for blocking work called from async code (the pool behind `toThread`).
    ///
    /// Use it instead of blocking Swift's cooperative threads: `try await ThreadPoolExecutor.shared.run { read(file) }`.
    /// It has ``defaultMaxWorkers`` threads named `"Parallel.shared_<n>"`, started on first use, and it
    /// lives as long as the process: ``shutdown(wait:cancelPending:)`` does nothing on it.
    ///
    /// ```swift
    /// let text = try await ThreadPoolExecutor.shared.run { try String(contentsOfFile: path, encoding: .utf8) }
    /// ```
    public static let shared = ThreadPoolExecutor(
        validMaxWorkers: defaultMaxWorkers, threadNamePrefix: "Parallel.shared", initializer: nil, isShared: true,
        logger: ProcessPool.quietLogger
    )

    private static let poolCounter = LockedValue(0)

    /// Creates a pool; no thread starts until work is submitted.
    ///
    /// - Parameters:
    ///   - maxWorkers: the most threads; `nil` means ``defaultMaxWorkers``.
    ///   - threadNamePrefix: names threads `"<prefix>_<n>"`; by default `"ThreadPoolExecutor-<pool>"`,
    ///     as Python does.
    ///   - initializer: runs once on each new thread before it takes work (Python's `initializer`);
    ///     if it throws, the pool breaks.
    ///   - logger: hears of each thread's start and exit (debug) and of an initializer that throws
    ///     (error); by default it logs nothing.
    /// - Throws: ``InvalidArgumentError`` if `maxWorkers` is less than 1.
    ///
    /// ```swift
    /// let executor = try ThreadPoolExecutor(maxWorkers: 4, threadNamePrefix: "io") { setUpThread() }
    /// ```
    public convenience init(
        maxWorkers: Int? = nil,
        threadNamePrefix: String? = nil,
        logger: Logger = ProcessPool.quietLogger,
        initializer: (@Sendable () throws -> Void)? = nil
    ) throws(InvalidArgumentError) {
        try InvalidArgumentError.check("maxWorkers", maxWorkers, atLeast: 1)
        let count = maxWorkers ?? Self.defaultMaxWorkers
        let prefix = threadNamePrefix ?? "ThreadPoolExecutor-\(Self.poolCounter.withLock { number in defer { number += 1 }; return number })"
        self.init(validMaxWorkers: count, threadNamePrefix: prefix, initializer: initializer, isShared: false, logger: logger)
    }

    private init(
        validMaxWorkers: Int, threadNamePrefix: String, initializer: (@Sendable () throws -> Void)?, isShared: Bool,
        logger: Logger
    ) {
        maxWorkers = validMaxWorkers
        self.threadNamePrefix = threadNamePrefix
        self.isShared = isShared
        storage = ThreadPoolStorage(
            maxWorkers: validMaxWorkers, threadNamePrefix: threadNamePrefix, initializer: initializer, logger: logger
        )
    }

    deinit {
        storage.shutdown(cancelPending: false)
    }

    /// Whether the pool still accepts work (not shut down, not broken).
    ///
    /// ```swift
    /// executor.shutdown()
    /// assert(!executor.isAcceptingWork)
    /// ```
    public var isAcceptingWork: Bool { storage.lifecycle == .running }

    /// Schedules `body` on a pool thread and returns its future (Python's `submit`).
    ///
    /// Tasks start in submission order. The future fails with whatever `body` throws.
    ///
    /// - Throws: ``ThreadPoolExecutorError/shutDown`` after shutdown, or
    ///   ``ThreadPoolExecutorError/broken(reason:)`` if an initializer failed. Nothing is queued then.
    ///
    /// ```swift
    /// let future = try executor.submit { try Data(contentsOf: url) }
    /// ```
    @inlinable @discardableResult
    public func submit<Value: Sendable>(
        _ body: @escaping @Sendable () throws -> Value
    ) throws(ThreadPoolExecutorError) -> Future<Value> {
        // Inlinable, so the closure below is specialised for `Value` in the caller's module.
        let promise = Promise<Value>()
        try storage.submit(.task { disposition in
            switch disposition {
            case .run(let pool):
                // A cancelled future never runs its body.
                let outcome: Result<Value, any Error>? = promise.markRunning() ? Result { try body() } : nil
                // The thread counts itself idle before the future wakes anyone: what they submit next
                // reuses it rather than starting another thread.
                pool.taskReturned()
                if let outcome { promise.complete(with: outcome) }
            case .cancel:
                promise.future.cancel()
            case .fail(let error):
                promise.fail(error)
            }
        })
        return promise.future
    }

    /// Runs blocking `body` on a pool thread while the calling task suspends (no cooperative thread
    /// is blocked), and returns its value.
    ///
    /// If the calling task is cancelled before `body` starts, `body` never runs and this throws
    /// `CancellationError`; once started, `body` runs to its end.
    ///
    /// - Throws: what `body` throws, `CancellationError`, or a ``ThreadPoolExecutorError``.
    ///
    /// ```swift
    /// let size = try await executor.run { try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int }
    /// ```
    public func run<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        // Cancelled already: never queue the body (an idle thread could start it before the
        // cancellation handler below gets to cancel its future).
        try Task.checkCancellation()
        let future = try submit(body)
        do {
            return try await withTaskCancellationHandler {
                try await future.value
            } onCancel: {
                future.cancel()
            }
        } catch FutureError.cancelled where Task.isCancelled {
            // Cancelled because the caller was; a shutdown that cancelled it stays FutureError.cancelled.
            throw CancellationError()
        }
    }

    /// Stops accepting work and, with `wait`, blocks until every thread has exited (Python's `shutdown`).
    ///
    /// Queued tasks still run unless `cancelPending` is `true`, which cancels the futures of tasks that
    /// have not started (Python's `cancel_futures`); running tasks always finish. Calling it again is
    /// harmless. Do not call it with `wait: true` from one of the pool's own threads: it would wait for
    /// itself. It does nothing on ``shared``.
    ///
    /// ```swift
    /// executor.shutdown(wait: true, cancelPending: false)
    /// ```
    @available(*, noasync, message: "blocks until the threads exit; use `await shutdown(cancelPending:)`")
    public func shutdown(wait: Bool = true, cancelPending: Bool = false) {
        guard !isShared else { return }
        storage.shutdown(cancelPending: cancelPending)
        if wait { storage.waitForThreads() }
    }

    /// Stops accepting work and suspends until every thread has finished its work and exited: the
    /// async twin of ``shutdown(wait:cancelPending:)``.
    ///
    /// ```swift
    /// await executor.shutdown(cancelPending: true)
    /// ```
    public func shutdown(cancelPending: Bool = false) async {
        guard !isShared else { return }
        storage.shutdown(cancelPending: cancelPending)
        await storage.threadsExited()
    }
}
