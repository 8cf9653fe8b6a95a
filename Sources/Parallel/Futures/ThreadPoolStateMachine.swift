import DequeModule
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The bookkeeping of a ``ThreadPoolExecutor``: its queue, its threads and its lifecycle.
///
/// A plain value held under the pool's lock by ``ThreadPoolStorage``. Each event returns what the
/// storage must do *outside* the lock (start a thread, cancel futures, join threads), so no user code
/// and no thread creation ever runs while the lock is held.
struct ThreadPoolStateMachine: Sendable {
    /// Where the pool is in its life.
    enum Lifecycle: Sendable, Equatable {
        /// Accepting work. Reached at creation.
        case running
        /// No new work; queued work still runs, then the threads exit. Reached by ``shutdown(cancelPending:)``.
        case shuttingDown
        /// An initializer threw: no new work, queued tasks failed, threads exit. Reached by
        /// ``initializerFailed(_:)`` or when no thread could be started.
        case broken(ThreadPoolExecutorError)
    }

    /// What the submitter does after ``submit(_:)``.
    enum SubmitAction {
        case none
        /// Wake one idle thread.
        case notifyOne
        /// Start a new worker thread with this number (for its name).
        case startThread(number: Int)
        /// The work was not queued; this error says why.
        case reject(ThreadPoolExecutorError)
    }

    /// What a worker thread does next.
    enum WorkerAction {
        /// Run the work; first wake one more idle thread if `wakeAnother` (the wake-up chain).
        case run(PoolWork, wakeAnother: Bool)
        /// Wait on the condition, then call ``wokeUp()``.
        case wait
        /// Leave the loop and do this on the way out.
        case exit(ExitAction)
    }

    /// What the last thread out does.
    enum ExitAction {
        case none
        /// Wake the blocked ``ThreadPoolExecutor/shutdown(wait:cancelPending:)``: it joins every thread.
        case wakeJoiner
        /// Nobody is joining: join the siblings, detach yourself, resume the async waiters.
        case cleanUp(siblings: [ExecutorThread.Handle], waiters: [UnsafeContinuation<Void, Never>])
    }

    /// Queued work given up, to cancel or fail outside the lock (then wake every thread).
    struct Abandon {
        var cancel: [@Sendable (TaskDisposition) -> Void] = []
        var fail: [PoolWork] = []
        var error = ThreadPoolExecutorError.shutDown
        /// Async shutdowns to resume because no thread is left.
        var waiters: [UnsafeContinuation<Void, Never>] = []
    }

    let maxWorkers: Int
    private(set) var lifecycle = Lifecycle.running
    private var queue: Deque<PoolWork> = []
    /// Threads counted from the decision to start them until they exit.
    private(set) var liveThreads = 0
    /// Threads blocked in `wait`, available for new work.
    private var idleThreads = 0
    /// Threads whose task has returned and which are completing its future (waking its waiters,
    /// running its callbacks). They look at the queue next, so a submission from any other thread
    /// counts them as idle: a waiter that submits as soon as it wakes reuses the thread, never
    /// starts another. (CPython releases its idle semaphore only after `work_item.run()`, which
    /// leaves that window open.) A submission from the finishing thread itself, in a callback,
    /// does not count it: the callback may wait for that work.
    private var finishingThreads: [ExecutorThread.Handle] = []
    /// Idle threads signalled but not yet awake. Wake-ups are batched: a submission signals only
    /// when no wake-up is in flight, and each woken thread that still sees queued work signals the
    /// next idle thread (a chain), so a burst of submissions costs a few system calls, not one each.
    private var wakeupsPending = 0
    private var threadsEverStarted = 0
    /// Handles of threads that started and are not yet joined or detached.
    private var handles: [ExecutorThread.Handle] = []
    /// Blocking shutdowns waiting for the threads to exit; they join the threads.
    private var joiners = 0
    private var exitWaiters: [UnsafeContinuation<Void, Never>] = []

    init(maxWorkers: Int) {
        self.maxWorkers = maxWorkers
    }

    /// Queues `work`, submitted by the thread `submitter`, if the pool accepts work, and says whom to wake.
    mutating func submit(_ work: PoolWork, from submitter: ExecutorThread.Handle) -> SubmitAction {
        switch lifecycle {
        case .shuttingDown: return .reject(.shutDown)
        case .broken(let error): return .reject(error)
        case .running: break
        }
        queue.append(work)
        let finishing = finishingThreads.count { pthread_equal($0, submitter) == 0 }
        if queue.count > idleThreads + finishing && liveThreads < maxWorkers {
            liveThreads += 1
            threadsEverStarted += 1
            return .startThread(number: threadsEverStarted - 1)
        }
        guard idleThreads > 0, wakeupsPending == 0 else { return .none }
        wakeupsPending += 1
        return .notifyOne
    }

    /// A new worker thread registers its handle, before anything else.
    mutating func threadStarted(_ handle: ExecutorThread.Handle) {
        handles.append(handle)
    }

    /// The system refused to create a thread. If no thread is left to run the queue, the pool breaks.
    mutating func threadFailedToStart() -> Abandon {
        liveThreads -= 1
        guard liveThreads == 0 else { return Abandon() }
        var abandon = queue.isEmpty ? Abandon() : breakPool(.broken(reason: "the system could not start a worker thread"))
        abandon.waiters = exitWaiters
        exitWaiters = []
        return abandon
    }

    /// The next thing a worker does: run queued work, wait for some, or exit.
    mutating func nextWork(_ handle: ExecutorThread.Handle) -> WorkerAction {
        if let work = queue.popFirst() {
            let wakeAnother = !queue.isEmpty && idleThreads > wakeupsPending
            if wakeAnother { wakeupsPending += 1 }
            return .run(work, wakeAnother: wakeAnother)
        }
        if case .running = lifecycle {
            idleThreads += 1
            return .wait
        }
        return .exit(threadExits(handle))
    }

    /// The task on thread `handle` has returned; its future is about to complete.
    mutating func taskReturned(_ handle: ExecutorThread.Handle) {
        finishingThreads.append(handle)
    }

    /// Thread `handle` has completed its task's future and looks at the queue again.
    mutating func taskCompleted(_ handle: ExecutorThread.Handle) {
        if let index = finishingThreads.firstIndex(where: { pthread_equal($0, handle) != 0 }) {
            finishingThreads.remove(at: index)
        }
    }

    /// A worker came back from `wait`.
    mutating func wokeUp() {
        idleThreads -= 1
        // A spurious or broadcast wake-up may find no signal pending.
        wakeupsPending = max(0, wakeupsPending - 1)
    }

    /// A worker's initializer threw: the pool breaks.
    mutating func initializerFailed(_ error: any Error) -> Abandon {
        if case .broken = lifecycle { return Abandon() }
        return breakPool(.broken(reason: "\(error)"))
    }

    private mutating func breakPool(_ error: ThreadPoolExecutorError) -> Abandon {
        lifecycle = .broken(error)
        var abandon = Abandon(error: error)
        abandon.fail = Array(queue)
        queue.removeAll()
        return abandon
    }

    /// Stops taking work; with `cancelPending`, takes the queued tasks out to be cancelled (Swift
    /// concurrency jobs stay queued: they must run).
    mutating func shutdown(cancelPending: Bool) -> Abandon {
        if case .running = lifecycle { lifecycle = .shuttingDown }
        var abandon = Abandon()
        guard cancelPending else { return abandon }
        var kept: Deque<PoolWork> = []
        for work in queue {
            switch work {
            case .task(let task): abandon.cancel.append(task)
            case .job: kept.append(work)
            }
        }
        queue = kept
        return abandon
    }

    private mutating func threadExits(_ handle: ExecutorThread.Handle) -> ExitAction {
        liveThreads -= 1
        guard liveThreads == 0 else { return .none }
        if joiners > 0 { return .wakeJoiner }
        let siblings = handles.filter { pthread_equal($0, handle) == 0 }
        handles = []
        defer { exitWaiters = [] }
        return .cleanUp(siblings: siblings, waiters: exitWaiters)
    }

    /// A blocking shutdown starts waiting for the threads (until ``liveThreads`` is 0).
    mutating func joinerArrives() {
        joiners += 1
    }

    /// A blocking shutdown stops waiting: it joins these threads and then resumes these waiters.
    mutating func joinerLeaves() -> (threads: [ExecutorThread.Handle], waiters: [UnsafeContinuation<Void, Never>]) {
        joiners -= 1
        defer {
            handles = []
            exitWaiters = []
        }
        return (handles, exitWaiters)
    }

    /// An async shutdown waits for the threads to exit; `false` means they are gone: resume it now.
    mutating func addExitWaiter(_ continuation: UnsafeContinuation<Void, Never>) -> Bool {
        guard liveThreads > 0 else { return false }
        exitWaiters.append(continuation)
        return true
    }
}
