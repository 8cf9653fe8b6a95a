import DequeModule
import HeapModule

/// A thread-safe blocking queue (Python's `queue.Queue`, `queue.LifoQueue` and
/// `queue.PriorityQueue`, with 3.13's `shutdown`).
///
/// - Order: ``QueueOrder/fifo`` (default), ``QueueOrder/lifo`` or ``QueueOrder/priority(by:)``
///   (smallest first; equal priorities first in, first out).
/// - Capacity: `maxSize` items (0 means unbounded). ``put(_:timeout:)``
///   blocks while the queue is full, ``get(timeout:)`` while it is empty; each gives up with
///   ``QueueError/full`` or ``QueueError/empty`` when its timeout passes.
/// - Tracking: every put item counts as an unfinished task until a consumer calls ``taskDone()``;
///   ``join()`` blocks until there are none.
/// - Shutdown: after ``shutdown(immediate:)`` puts throw ``QueueError/shutDown``; gets drain what is
///   left, then throw it (at once, with the items dropped, for an immediate shutdown). Every blocked
///   putter and getter wakes with that error.
///
/// Blocking calls are `noasync`; async code uses the suspending twins ``put(_:)`` and ``get()``, so
/// threads and tasks can share one queue (a blocking producer thread feeding async consumers, say).
///
/// ```swift
/// let jobs = try Queue<Int>(maxSize: 100)
/// let worker = try spawnThread {
///     var total = 0
///     while let job = try? jobs.get() { total += job; try jobs.taskDone() }   // ends at shutdown
///     return total
/// }
/// for job in 1...10 { try jobs.put(job) }
/// jobs.join()                       // all ten processed
/// jobs.shutdown()
/// print(try worker.join())          // 55
/// ```
public final class Queue<Element: Sendable>: Sendable {
    /// The most items the queue holds; 0 means unbounded (Python's `maxsize`).
    ///
    /// ```swift
    /// print(try Queue<Int>(maxSize: 8).maxSize)   // 8
    /// ```
    public let maxSize: Int
    let lock = Lock()
    let notEmpty: Condition
    let notFull: Condition
    private let allTasksDone: Condition
    let state: LockedState

    /// Creates an empty queue.
    ///
    /// - Parameters:
    ///   - maxSize: the most items it holds; 0 (the default) means unbounded.
    ///   - order: which item ``get(timeout:)`` returns first.
    /// - Throws: ``InvalidArgumentError`` if `maxSize` is negative.
    ///
    /// ```swift
    /// let fifo = try Queue<String>()
    /// let stack = try Queue<String>(maxSize: 10, order: .lifo)
    /// let heap = try Queue<Int>(order: .priority)
    /// ```
    public init(maxSize: Int = 0, order: QueueOrder<Element> = .fifo) throws(InvalidArgumentError) {
        try InvalidArgumentError.check("maxSize", maxSize, atLeast: 0)
        self.maxSize = maxSize
        notEmpty = Condition(lock: lock)
        notFull = Condition(lock: lock)
        allTasksDone = Condition(lock: lock)
        state = LockedState(order: order.kind)
    }

    /// The number of items in the queue now (Python's `qsize()`); may change as soon as it returns.
    ///
    /// ```swift
    /// print(queue.count, "waiting")
    /// ```
    public var count: Int { lock.withLock { state.count } }

    /// Whether the queue holds no items now (Python's `empty()`).
    ///
    /// ```swift
    /// if queue.isEmpty { print("idle") }
    /// ```
    public var isEmpty: Bool { lock.withLock { state.count == 0 } }

    /// Whether the queue holds `maxSize` items now (Python's `full()`); never for an unbounded queue.
    ///
    /// ```swift
    /// if queue.isFull { print("producers will block") }
    /// ```
    public var isFull: Bool { lock.withLock { isFullLocked } }

    /// Whether ``shutdown(immediate:)`` has been called (Python's `is_shutdown`).
    ///
    /// ```swift
    /// if queue.isShutDown { return }
    /// ```
    public var isShutDown: Bool { lock.withLock { state.isShutDown } }

    /// Adds `item`, waiting at most `timeout` (`nil`: as long as it takes) for a free slot.
    ///
    /// - Throws: ``QueueError/full`` if no slot freed up in time, ``QueueError/shutDown`` if the
    ///   queue is or gets shut down, ``InvalidArgumentError`` if `timeout` is negative (zero: do not
    ///   wait, as ``putNowait(_:)``).
    ///
    /// ```swift
    /// try queue.put(job, timeout: .seconds(1))
    /// ```
    @available(*, noasync, message: "blocks the thread; use `try await queue.put(item)` in async code")
    public func put(_ item: Element, timeout: Duration? = nil) throws {
        try InvalidArgumentError.checkNonNegative("timeout", timeout)
        try put(item, until: Deadline.after(timeout))
    }

    /// Adds `item` if there is a free slot now (Python's `put_nowait`).
    ///
    /// - Throws: ``QueueError/full`` or ``QueueError/shutDown``.
    ///
    /// ```swift
    /// do { try queue.putNowait(job) } catch QueueError.full { dropped += 1 } catch { throw error }
    /// ```
    public func putNowait(_ item: Element) throws(QueueError) {
        try put(item, until: Deadline(nanoseconds: 0))
    }

    /// Removes and returns the next item, waiting at most `timeout` (`nil`: as long as it takes).
    ///
    /// - Throws: ``QueueError/empty`` if nothing arrived in time, ``QueueError/shutDown`` once the
    ///   queue is shut down and drained, ``InvalidArgumentError`` if `timeout` is negative (zero: do
    ///   not wait, as ``getNowait()``).
    ///
    /// ```swift
    /// let job = try queue.get(timeout: .seconds(1))
    /// ```
    @available(*, noasync, message: "blocks the thread; use `try await queue.get()` in async code")
    public func get(timeout: Duration? = nil) throws -> Element {
        try InvalidArgumentError.checkNonNegative("timeout", timeout)
        return try get(until: Deadline.after(timeout))
    }

    /// Removes and returns the next item if there is one now (Python's `get_nowait`).
    ///
    /// - Throws: ``QueueError/empty`` or ``QueueError/shutDown``.
    ///
    /// ```swift
    /// while let job = try? queue.getNowait() { run(job) }
    /// ```
    public func getNowait() throws(QueueError) -> Element {
        try get(until: Deadline(nanoseconds: 0))
    }

    /// Marks one item got from the queue as fully processed; when every put item is done, ``join()``
    /// returns (Python's `task_done()`).
    ///
    /// - Throws: ``QueueError/taskDoneTooManyTimes`` if called more times than items were put.
    ///
    /// ```swift
    /// let job = try queue.get(); run(job); try queue.taskDone()
    /// ```
    public func taskDone() throws(QueueError) {
        try lock.withLock { () throws(QueueError) in
            guard state.unfinishedTasks > 0 else { throw .taskDoneTooManyTimes }
            state.unfinishedTasks -= 1
            if state.unfinishedTasks == 0 { allTasksDone.notifyAll() }
        }
    }

    /// Blocks until every item put has been marked done with ``taskDone()`` (Python's `join()`).
    /// An immediate shutdown counts the dropped items as done.
    ///
    /// ```swift
    /// for job in jobs { try queue.put(job) }
    /// queue.join()
    /// ```
    @available(*, noasync, message: "blocks the thread; call it from a thread (e.g. spawnThread) in async code")
    public func join() {
        lock.withLock {
            _ = allTasksDone.wait(for: { state.unfinishedTasks == 0 }, until: .distantFuture)
        }
    }

    /// Shuts the queue down (Python 3.13's `shutdown`): later and blocked puts throw
    /// ``QueueError/shutDown``; gets return the items left, then throw it. With `immediate`, the items
    /// left are dropped (and counted as done for ``join()``) and gets throw at once. Idempotent.
    ///
    /// ```swift
    /// queue.shutdown()                  // consumers finish the backlog, then stop
    /// queue.shutdown(immediate: true)   // consumers stop now
    /// ```
    public func shutdown(immediate: Bool = false) {
        let tasks = lock.withLock {
            state.isShutDown = true
            if immediate {
                let dropped = state.removeAll()
                state.unfinishedTasks = max(0, state.unfinishedTasks - dropped)
                allTasksDone.notifyAll()
            }
            notEmpty.notifyAll()
            notFull.notifyAll()
            defer {
                state.asyncGetters.removeAll()
                state.asyncPutters.removeAll()
            }
            return state.asyncGetters + state.asyncPutters
        }
        for task in tasks { task.continuation.resume() }
    }

    private var isFullLocked: Bool { maxSize > 0 && state.count >= maxSize }

    // Both operations wake the other side after unlocking, and only when someone waits: a woken
    // thread then finds the lock free instead of blocking on it again at once. This is safe because
    // the state changed under the lock: a waiter either saw the change or was already waiting.

    private func put(_ item: Element, until deadline: Deadline) throws(QueueError) {
        let wake = try lock.withLock { () throws(QueueError) -> QueueWakeUp in
            if state.isShutDown { throw .shutDown }
            while isFullLocked {
                state.waitingPutters += 1
                let notified = notFull.wait(until: deadline)
                state.waitingPutters -= 1
                if state.isShutDown { throw .shutDown }
                if !notified && isFullLocked { throw .full }
            }
            return pushLocked(item)
        }
        wake.perform(on: notEmpty)
    }

    private func get(until deadline: Deadline) throws(QueueError) -> Element {
        let (item, wake) = try lock.withLock { () throws(QueueError) -> (Element, QueueWakeUp) in
            while true {
                if let item = state.pop() { return (item, wakePutterLocked()) }
                if state.isShutDown { throw .shutDown }
                state.waitingGetters += 1
                let notified = notEmpty.wait(until: deadline)
                state.waitingGetters -= 1
                if !notified, state.count == 0 { throw state.isShutDown ? .shutDown : .empty }
            }
        }
        wake.perform(on: notFull)
        return item
    }

    /// Adds `item` to a queue known not to be full; returns whom to wake on `notEmpty` (the caller
    /// holds the lock).
    func pushLocked(_ item: Element) -> QueueWakeUp {
        state.push(item)
        state.unfinishedTasks += 1
        return QueueWakeUp(
            thread: state.waitingGetters > 0,
            task: state.asyncGetters.isEmpty ? nil : state.asyncGetters.popFirst()?.continuation
        )
    }

    /// Whom to wake on `notFull` after an item was taken (the caller holds the lock).
    func wakePutterLocked() -> QueueWakeUp {
        QueueWakeUp(
            thread: state.waitingPutters > 0,
            task: state.asyncPutters.isEmpty ? nil : state.asyncPutters.popFirst()?.continuation
        )
    }

    /// The items and counters; only touched while holding `lock`.
    final class LockedState: @unchecked Sendable {
        // Safe: every property is only accessed inside `lock.withLock` in `Queue`.
        let order: QueueOrder<Element>.Kind
        /// Items in FIFO or LIFO order.
        var deque = Deque<Element>()
        /// Items in priority order.
        var heap = Heap<Prioritized>()
        /// The next sequence number, which keeps equal priorities first in, first out.
        var nextSequence: UInt64 = 0
        /// Items put and not yet marked done.
        var unfinishedTasks = 0
        var isShutDown = false
        /// Threads blocked in `get` and `put`, so an operation signals only when someone waits.
        var waitingGetters = 0
        var waitingPutters = 0
        /// Tasks suspended in the async `get()` and `put(_:)`, woken first come, first served.
        var asyncGetters = Deque<QueueWaiter>()
        var asyncPutters = Deque<QueueWaiter>()
        /// Identifies suspended tasks, so a cancelled one can be found and removed.
        var nextWaiterID: UInt64 = 0

        init(order: QueueOrder<Element>.Kind) { self.order = order }

        var count: Int {
            if case .priority = order { return heap.count }
            return deque.count
        }

        func push(_ item: Element) {
            switch order {
            case .fifo, .lifo:
                deque.append(item)
            case .priority(let areInIncreasingOrder):
                heap.insert(Prioritized(item, sequence: nextSequence, areInIncreasingOrder))
                nextSequence &+= 1
            }
        }

        func pop() -> Element? {
            switch order {
            case .fifo: return deque.popFirst()
            case .lifo: return deque.popLast()
            case .priority: return heap.popMin()?.element
            }
        }

        /// Drops every item; returns how many there were.
        func removeAll() -> Int {
            defer {
                deque.removeAll()
                heap = Heap()
            }
            return count
        }
    }

    /// A priority-queue entry: ordered by the user's comparison, then by arrival.
    struct Prioritized: Comparable {
        let element: Element
        let sequence: UInt64
        let areInIncreasingOrder: @Sendable (Element, Element) -> Bool

        init(_ element: Element, sequence: UInt64, _ areInIncreasingOrder: @escaping @Sendable (Element, Element) -> Bool) {
            self.element = element
            self.sequence = sequence
            self.areInIncreasingOrder = areInIncreasingOrder
        }

        static func < (lhs: Prioritized, rhs: Prioritized) -> Bool {
            if lhs.areInIncreasingOrder(lhs.element, rhs.element) { return true }
            if lhs.areInIncreasingOrder(rhs.element, lhs.element) { return false }
            return lhs.sequence < rhs.sequence
        }

        static func == (lhs: Prioritized, rhs: Prioritized) -> Bool {
            lhs.sequence == rhs.sequence
        }
    }
}

// The two helpers below live outside the generic `Queue`, so the code that uses them is compiled for
// concrete types: nested in `Queue<Element>`, every put and get paid for generic metadata look-ups.
// `QueueWakeUp` holds a flag rather than the condition itself: retaining a condition shared by both
// sides made their reference-count updates contend and halved the hand-off rate.

/// One blocked thread and one suspended task to wake after the queue's lock is released. Waking one
/// of each (rather than one in all) keeps a thread that is already awake, but not yet counted out,
/// from swallowing the only wake-up a waiting task needed.
struct QueueWakeUp {
    /// Whether a thread waits on the condition to signal.
    var thread: Bool
    var task: CheckedContinuation<Void, Never>?

    /// Signals `condition` if a thread waits on it, and resumes the task, if any.
    func perform(on condition: Condition) {
        if thread { condition.notify() }
        task?.resume()
    }
}

/// A task suspended in a queue's async `get()` or `put(_:)`; resuming it makes it try again.
struct QueueWaiter {
    let id: UInt64
    let continuation: CheckedContinuation<Void, Never>
}
