/// A ``ThreadPoolExecutor`` is a Swift `TaskExecutor`: async code can prefer to run on its threads.
///
/// Inside `withTaskExecutorPreference(executor) { … }` (or `Task(executorPreference: executor)`), the
/// non-isolated async code of the task and its child tasks runs on the pool's threads, in the same
/// first-in-first-out queue as submitted work. Jobs enqueued after shutdown, or while the pool is
/// broken, run on Swift's global concurrent executor instead: a job must never be dropped.
///
/// ```swift
/// let executor = try ThreadPoolExecutor(maxWorkers: 2, threadNamePrefix: "pool")
/// await withTaskExecutorPreference(executor) {
///     await someAsyncWork()   // runs on "pool_0" or "pool_1"
/// }
/// ```
extension ThreadPoolExecutor: TaskExecutor {
    /// Queues a Swift concurrency job to run on a pool thread.
    ///
    /// ```swift
    /// Task(executorPreference: executor) { await work() }   // the runtime calls enqueue
    /// ```
    public func enqueue(_ job: consuming ExecutorJob) {
        let work = PoolWork.job(UnownedJob(job), asUnownedTaskExecutor())
        do {
            try storage.submit(work)
        } catch {
            work.abandon(because: error)
        }
    }
}
