import DequeModule

/// A queue for tasks, bounded or not, first-in-first-out, last-in-first-out or by priority; `put`
/// suspends while it is full and `get` while it is empty (Python's `asyncio.Queue`, `LifoQueue` and
/// `PriorityQueue`).
///
/// - Waiters are served in arrival order: the longest-waiting `get` receives the next element, the
///   longest-waiting `put` is the next admitted. An element handed to a waiting `get` goes to it
///   directly, never through a buffer that someone else could read first.
/// - Once full, waiting `put`s are let in together when the queue has drained to half its
///   capacity, rather than one per `get` (a high/low watermark): a fast producer is woken once per
///   half-queue, not once per element.
/// - Cancellation-safe: a `put` cancelled while it waits for room has not added its element (it
///   throws `CancellationError`); a `get` cancelled while it waits has taken nothing. If the element
///   or the room arrived just before the cancellation, the call returns normally instead. So nothing
///   is ever lost or delivered twice.
/// - ``taskDone()`` / ``join()`` count unfinished elements, and ``shutdown(immediate:)`` stops the
///   queue, as in Python 3.13.
///
/// ```swift
/// let queue = try AsyncQueue<Int>(maxSize: 100)
/// Task { for i in 0..<10 { try await queue.put(i) } }
/// for _ in 0..<10 { print(try await queue.get()) }
/// ```
public final class AsyncQueue<Element: Sendable>: Sendable {
    @usableFromInline typealias Getter = UnsafeContinuation<Element, any Error>
    @usableFromInline typealias Waiter = UnsafeContinuation<Void, any Error>
    @usableFromInline let state: LockedValue<StateMachine<Getter, Waiter>>

    /// The most elements the queue holds; 0 means unbounded (Python's `maxsize`).
    public let maxSize: Int

    /// Creates a queue holding at most `maxSize` elements (0: unbounded) in `order`.
    ///
    /// - Throws: ``InvalidArgumentError`` if `maxSize` is negative.
    ///
    /// ```swift
    /// let jobs = try AsyncQueue<Job>(maxSize: 10, order: .lifo)
    /// let urgentFirst = try AsyncQueue<Int>(order: .priority)   // smallest first, as Python's PriorityQueue
    /// ```
    public init(maxSize: Int = 0, order: Order = .fifo) throws(InvalidArgumentError) {
        try InvalidArgumentError.check("maxSize", maxSize, atLeast: 0)
        self.maxSize = maxSize
        state = LockedValue(StateMachine(maxSize: maxSize, order: order))
    }

    /// The number of elements in the queue now (Python's `qsize()`); a snapshot.
    ///
    /// ```swift
    /// print(queue.count)
    /// ```
    public var count: Int { state.withLock { $0.count } }

    /// Adds `element`, suspending while the queue is full or earlier puts are still waiting for room
    /// (Python's `await queue.put(item)`).
    ///
    /// - Throws: ``AsyncQueueError/shutDown`` if the queue is or gets shut down; `CancellationError` if
    ///   cancelled while waiting for room (the element was not added then).
    ///
    /// ```swift
    /// try await queue.put(job)
    /// ```
    @inlinable
    public func put(_ element: Element) async throws {
        switch state.withLock({ $0.put(element) }) {
        case .added(let getter):
            if let getter { getter.continuation.resume(returning: getter.element) }
        case .shutDown: throw AsyncQueueError.shutDown
        case .full: try await putSlowly(element)
        }
    }

    /// Adds `element` if there is room right now (Python's `put_nowait`).
    ///
    /// - Throws: ``AsyncQueueError/full`` (also while other puts wait for room) or
    ///   ``AsyncQueueError/shutDown``.
    ///
    /// ```swift
    /// try queue.putNowait(job)
    /// ```
    @inlinable
    public func putNowait(_ element: Element) throws(AsyncQueueError) {
        switch state.withLock({ $0.put(element) }) {
        case .added(let getter):
            if let getter { getter.continuation.resume(returning: getter.element) }
        case .shutDown: throw .shutDown
        case .full: throw .full
        }
    }

    /// Removes and returns the next element, suspending while the queue is empty (Python's
    /// `await queue.get()`).
    ///
    /// - Throws: ``AsyncQueueError/shutDown`` once the queue is shut down and empty; `CancellationError`
    ///   if cancelled while waiting (no element was taken then).
    ///
    /// ```swift
    /// let job = try await queue.get()
    /// ```
    @inlinable
    public func get() async throws -> Element {
        switch state.withLock({ $0.get() }) {
        case .element(let element, let putters):
            for putter in putters { putter.resume() }
            return element
        case .shutDown: throw AsyncQueueError.shutDown
        case .empty: return try await getSlowly()
        }
    }

    /// Removes and returns the next element if there is one right now (Python's `get_nowait`).
    ///
    /// - Throws: ``AsyncQueueError/empty`` or ``AsyncQueueError/shutDown``.
    ///
    /// ```swift
    /// while let job = try? queue.getNowait() { handle(job) }
    /// ```
    @inlinable
    public func getNowait() throws(AsyncQueueError) -> Element {
        switch state.withLock({ $0.get() }) {
        case .element(let element, let putters):
            for putter in putters { putter.resume() }
            return element
        case .shutDown: throw .shutDown
        case .empty: throw .empty
        }
    }

    /// Marks one element taken with `get` as processed (Python's `queue.task_done()`); when every
    /// element put has been marked, ``join()`` returns.
    ///
    /// - Throws: ``AsyncQueueError/taskDoneTooManyTimes`` if called more times than elements were put.
    ///
    /// ```swift
    /// let job = try await queue.get()
    /// defer { try? queue.taskDone() }
    /// ```
    public func taskDone() throws(AsyncQueueError) {
        guard let joiners = state.withLock({ $0.taskDone() }) else { throw .taskDoneTooManyTimes }
        for joiner in joiners { joiner.resume() }
    }

    /// Waits until every element put has been marked with ``taskDone()`` (Python's `await queue.join()`).
    ///
    /// - Throws: `CancellationError` if cancelled while waiting.
    ///
    /// ```swift
    /// try await queue.join()   // all work is done
    /// ```
    public func join() async throws {
        if state.withLock({ $0.unfinished == 0 }) { return }
        let id = state.withLock { $0.makeWaiterID() }
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: Waiter) in
                let cancelled = Task.isCancelled
                switch state.withLock({ $0.join(id, continuation, isCancelled: cancelled) }) {
                case .resume: continuation.resume()
                case .cancel: continuation.resume(throwing: CancellationError())
                case .suspend: break
                }
            }
        } onCancel: {
            state.withLock { $0.cancelWaiter(id) }?.resume(throwing: CancellationError())
        }
    }

    /// Shuts the queue down (Python 3.13's `queue.shutdown(immediate)`): every waiting and later
    /// `put` throws ``AsyncQueueError/shutDown``; `get` still returns the elements left, then throws.
    /// With `immediate`, the elements left are dropped (and count as done for ``join()``), so every
    /// waiting `get` throws at once.
    ///
    /// ```swift
    /// queue.shutdown()                    // producers stop, consumers drain
    /// queue.shutdown(immediate: true)   // everyone stops now
    /// ```
    public func shutdown(immediate: Bool = false) {
        let woken = state.withLock { $0.shutdown(immediately: immediate) }
        for getter in woken.getters { getter.resume(throwing: AsyncQueueError.shutDown) }
        for putter in woken.putters { putter.resume(throwing: AsyncQueueError.shutDown) }
        for joiner in woken.joiners { joiner.resume() }
    }

    @usableFromInline
    func putSlowly(_ element: Element) async throws {
        let id = state.withLock { $0.makeWaiterID() }
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: Waiter) in
                let cancelled = Task.isCancelled
                switch state.withLock({ $0.waitToPut(id, element, continuation, isCancelled: cancelled) }) {
                case .added(let getter):
                    if let getter { getter.continuation.resume(returning: getter.element) }
                    continuation.resume()
                case .shutDown: continuation.resume(throwing: AsyncQueueError.shutDown)
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .suspended: break
                }
            }
        } onCancel: {
            state.withLock { $0.cancelWaiter(id) }?.resume(throwing: CancellationError())
        }
    }

    @usableFromInline
    func getSlowly() async throws -> Element {
        let id = state.withLock { $0.makeWaiterID() }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: Getter) in
                let cancelled = Task.isCancelled
                switch state.withLock({ $0.waitToGet(id, continuation, isCancelled: cancelled) }) {
                case .element(let element, let putters):
                    for putter in putters { putter.resume() }
                    continuation.resume(returning: element)
                case .shutDown: continuation.resume(throwing: AsyncQueueError.shutDown)
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .suspended: break
                }
            }
        } onCancel: {
            state.withLock { $0.cancelGetter(id) }?.resume(throwing: CancellationError())
        }
    }
}

extension AsyncQueue {
    /// The order in which ``AsyncQueue/get()`` returns elements.
    ///
    /// ```swift
    /// let byDeadline = try AsyncQueue<Job>(order: .priority(by: { $0.deadline < $1.deadline }))
    /// ```
    public struct Order: Sendable {
        @usableFromInline
        enum Kind: Sendable {
            case fifo, lifo
            case priority(@Sendable (Element, Element) -> Bool)
        }

        @usableFromInline let kind: Kind

        /// First in, first out (Python's `asyncio.Queue`).
        public static var fifo: Order { Order(kind: .fifo) }

        /// Last in, first out (Python's `asyncio.LifoQueue`).
        public static var lifo: Order { Order(kind: .lifo) }

        /// The element ordered first by `areInIncreasingOrder` comes out first; equal elements come
        /// out in the order they were put (Python's `asyncio.PriorityQueue`, made stable).
        public static func priority(by areInIncreasingOrder: @escaping @Sendable (Element, Element) -> Bool) -> Order {
            Order(kind: .priority(areInIncreasingOrder))
        }
    }
}

extension AsyncQueue.Order where Element: Comparable {
    /// The smallest element comes out first (Python's `asyncio.PriorityQueue`).
    public static var priority: AsyncQueue.Order { .priority(by: { $0 < $1 }) }
}

/// Why an ``AsyncQueue`` operation failed.
///
/// ```swift
/// do { try queue.putNowait(1) } catch .full { print("try again later") }
/// ```
public enum AsyncQueueError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `putNowait` found the queue full (Python's `QueueFull`).
    case full
    /// `getNowait` found the queue empty (Python's `QueueEmpty`).
    case empty
    /// The queue was shut down (Python's `QueueShutDown`).
    case shutDown
    /// `taskDone()` was called more times than elements were put (Python's `ValueError`).
    case taskDoneTooManyTimes

    public var description: String {
        switch self {
        case .full: "the queue is full; use put (which waits) or retry later"
        case .empty: "the queue is empty; use get (which waits) or retry later"
        case .shutDown: "the queue was shut down; no more elements can be put, and none are left to get"
        case .taskDoneTooManyTimes: "taskDone() was called more times than elements were put; call it once per element taken"
        }
    }
}
