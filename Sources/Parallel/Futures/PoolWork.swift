/// One entry of a ``ThreadPoolExecutor``'s queue: a submitted task, or a Swift concurrency job
/// enqueued through its `TaskExecutor` conformance.
@usableFromInline
enum PoolWork: Sendable {
    /// A submitted closure bundled with its promise; the pool tells it whether to run, to cancel its
    /// future (shutdown with `cancelPending`) or to fail it (broken pool). One closure, one allocation.
    case task(@Sendable (TaskDisposition) -> Void)
    case job(UnownedJob, UnownedTaskExecutor)

    /// Runs the work on the calling thread of `pool`.
    func run(in pool: ThreadPoolStorage) {
        switch self {
        case .task(let task): task(.run(pool))
        case .job(let job, let executor): job.runSynchronously(on: executor)
        }
    }

    /// Whether this is a submitted task, which reports ``ThreadPoolStorage/taskReturned()`` when run.
    var isTask: Bool {
        if case .task = self { return true }
        return false
    }

    /// Called when the pool breaks before the work ran: a task fails with `error`; a job cannot be
    /// dropped (its task would hang), so it moves to Swift's global concurrent executor.
    func abandon(because error: ThreadPoolExecutorError) {
        switch self {
        case .task(let task): task(.fail(error))
        case .job(let job, _): globalConcurrentExecutor.enqueue(ExecutorJob(job))
        }
    }
}

/// What the pool asks of a queued task.
@usableFromInline
enum TaskDisposition: Sendable {
    /// Run the body, then call `taskReturned()` on this pool exactly once before completing the future.
    case run(ThreadPoolStorage)
    case cancel
    case fail(ThreadPoolExecutorError)
}
