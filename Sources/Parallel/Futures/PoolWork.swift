/// One entry of a ``ThreadPoolExecutor``'s queue: a submitted task, or a Swift concurrency job
/// enqueued through its `TaskExecutor` conformance.
@usableFromInline
enum PoolWork: Sendable {
    /// A submitted closure bundled with its promise; the pool tells it whether to run, to cancel its
    /// future (shutdown with `cancelPending`) or to fail it (broken pool). One closure, one allocation.
    case task(@Sendable (TaskDisposition) -> Void)
    case job(UnownedJob, UnownedTaskExecutor)

    /// Runs the work on the calling pool thread.
    func run() {
        switch self {
        case .task(let task): task(.run)
        case .job(let job, let executor): job.runSynchronously(on: executor)
        }
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
    case run
    case cancel
    case fail(ThreadPoolExecutorError)
}
