/// One entry of a ``ThreadPoolExecutor``'s queue: a submitted task, or a Swift concurrency job
/// enqueued through its `TaskExecutor` conformance.
enum PoolWork: Sendable {
    case task(any PoolTask)
    case job(UnownedJob, UnownedTaskExecutor)

    /// Runs the work on the calling pool thread.
    func run() {
        switch self {
        case .task(let task): task.run()
        case .job(let job, let executor): job.runSynchronously(on: executor)
        }
    }

    /// Called when the pool breaks before the work ran: a task fails with `error`; a job cannot be
    /// dropped (its task would hang), so it moves to Swift's global concurrent executor.
    func abandon(because error: ThreadPoolExecutorError) {
        switch self {
        case .task(let task): task.fail(error)
        case .job(let job, _): globalConcurrentExecutor.enqueue(ExecutorJob(job))
        }
    }
}

/// A submitted closure with the future it completes.
protocol PoolTask: AnyObject, Sendable {
    func run()
    func cancel()
    func fail(_ error: ThreadPoolExecutorError)
}

/// The ``PoolTask`` behind ``ThreadPoolExecutor/submit(_:)``.
final class SubmittedTask<Value: Sendable>: PoolTask {
    let promise = Promise<Value>()
    private let body: @Sendable () throws -> Value

    init(_ body: @escaping @Sendable () throws -> Value) {
        self.body = body
    }

    func run() {
        // A cancelled future never runs its body.
        guard promise.markRunning() else { return }
        promise.complete(with: Result { try body() })
    }

    func cancel() { promise.future.cancel() }

    func fail(_ error: ThreadPoolExecutorError) { promise.fail(error) }
}
