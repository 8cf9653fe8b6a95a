import Logging

/// The shared heart of a ``ThreadPoolExecutor``: the lock, the state machine and the worker loop.
///
/// Worker threads hold the storage, not the executor, so dropping the last reference to an executor
/// can shut it down (as Python does when an executor is garbage-collected).
///
/// How one task flows:
///
///     submit ──▶ task closure ──▶ queue (Deque, under `condition.lock`) ──▶ worker thread
///        │                                  │  wake an idle thread, or start one     │
///        ▼                                  ▼  (up to maxWorkers)                    ▼
///     Future ◀──────────── Promise.complete ◀───────────── body() runs outside the lock
@usableFromInline
final class ThreadPoolStorage: @unchecked Sendable {
    // Safe: `machine` is only touched while holding `condition.lock`; work, thread starts, joins and
    // continuation resumes happen after releasing it.
    private let condition = Condition()
    private var machine: ThreadPoolStateMachine
    private let threadNamePrefix: String
    private let initializer: (@Sendable () throws -> Void)?
    private let logger: Logger

    init(maxWorkers: Int, threadNamePrefix: String, initializer: (@Sendable () throws -> Void)?, logger: Logger) {
        machine = ThreadPoolStateMachine(maxWorkers: maxWorkers)
        self.threadNamePrefix = threadNamePrefix
        self.initializer = initializer
        self.logger = logger
    }

    /// Queues `work` and wakes or starts a thread for it; throws (without queueing) if the pool takes
    /// no more work.
    @usableFromInline
    func submit(_ work: PoolWork) throws(ThreadPoolExecutorError) {
        let submitter = ExecutorThread.current
        let action = condition.withLock { machine.submit(work, from: submitter) }
        switch action {
        case .none:
            break
        case .notifyOne:
            condition.notify()
        case .startThread(let number):
            let name = "\(threadNamePrefix)_\(number)"
            let started = ExecutorThread.start(name: name) { [self] in workerMain(name: name) }
            if !started {
                logger.error("thread pool thread could not start", metadata: ["thread": "\(name)"])
                perform(condition.withLock { machine.threadFailedToStart() })
            }
        case .reject(let error):
            throw error
        }
    }

    /// The task running on the calling pool thread has returned and its future is about to complete:
    /// from now on the thread counts as idle, so work submitted by whoever the future wakes reuses it.
    @usableFromInline
    func taskReturned() {
        let me = ExecutorThread.current
        condition.withLock { machine.taskReturned(me) }
    }

    /// Stops taking work and, with `cancelPending`, cancels the queued tasks' futures.
    func shutdown(cancelPending: Bool) {
        perform(condition.withLock { machine.shutdown(cancelPending: cancelPending) })
    }

    /// Blocks until every worker thread has exited, and joins them.
    func waitForThreads() {
        let (threads, waiters) = condition.withLock {
            machine.joinerArrives()
            while machine.liveThreads > 0 { _ = condition.wait(until: .distantFuture) }
            return machine.joinerLeaves()
        }
        for thread in threads { ExecutorThread.join(thread) }
        for waiter in waiters { waiter.resume() }
    }

    /// Suspends until every worker thread has exited (the last one may still be returning).
    func threadsExited() async {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            if !condition.withLock({ machine.addExitWaiter(continuation) }) { continuation.resume() }
        }
    }

    /// The pool's lifecycle, for the executor's accessors.
    var lifecycle: ThreadPoolStateMachine.Lifecycle { condition.withLock { machine.lifecycle } }

    private func perform(_ abandon: ThreadPoolStateMachine.Abandon) {
        for task in abandon.cancel { task(.cancel) }
        for work in abandon.fail { work.abandon(because: abandon.error) }
        condition.withLock { condition.notifyAll() }
        for waiter in abandon.waiters { waiter.resume() }
    }

    /// The loop of every worker thread.
    private func workerMain(name: String) {
        let me = ExecutorThread.current
        condition.withLock { machine.threadStarted(me) }
        logger.debug("thread pool thread started", metadata: ["thread": "\(name)"])
        if let initializer {
            do {
                try initializer()
            } catch {
                logger.error("thread pool initializer threw; the pool is broken", metadata: ["thread": "\(name)", "error": "\(error)"])
                perform(condition.withLock { machine.initializerFailed(error) })
            }
        }
        condition.lock.lock()
        while true {
            switch machine.nextWork(me) {
            case .run(let work, let wakeAnother):
                condition.lock.unlock()
                if wakeAnother { condition.notify() }
                work.run(in: self)
                condition.lock.lock()
                if work.isTask { machine.taskCompleted(me) }
            case .wait:
                _ = condition.wait(until: .distantFuture)
                machine.wokeUp()
            case .exit(let action):
                condition.lock.unlock()
                logger.debug("thread pool thread exiting", metadata: ["thread": "\(name)"])
                switch action {
                case .none:
                    break
                case .wakeJoiner:
                    condition.withLock { condition.notifyAll() }
                case .cleanUp(let siblings, let waiters):
                    for sibling in siblings { ExecutorThread.join(sibling) }
                    ExecutorThread.detachCurrent()
                    for waiter in waiters { waiter.resume() }
                }
                return
            }
        }
    }
}
