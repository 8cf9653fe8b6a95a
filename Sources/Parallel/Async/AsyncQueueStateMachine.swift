import DequeModule
import HeapModule

extension AsyncQueue {
    /// The queue's logic without threads: the buffer, the lines of waiting getters and putters,
    /// the unfinished-task count and the joiners. Events in, continuations to resume out.
    ///
    /// Invariants: getters wait only while the buffer is empty; putters wait only while it holds more
    /// than half its capacity (so never at the same time as getters).
    ///
    /// Waiting putters are let in together once the buffer has drained to half its capacity (a
    /// high/low watermark, as in swift-nio's back-pressure strategies), not one per `get`: a fast
    /// producer facing a full queue is then woken once per half-queue instead of once per element.
    @usableFromInline
    struct StateMachine<GetContinuation: Sendable, PutContinuation: Sendable>: Sendable {
        @usableFromInline var buffer: Buffer
        @usableFromInline let maxSize: Int
        @usableFromInline var getters: Deque<(id: UInt64, continuation: GetContinuation)> = []
        @usableFromInline var putters: Deque<(id: UInt64, element: Element, continuation: PutContinuation)> = []
        @usableFromInline var joiners: [UInt64: PutContinuation] = [:]
        /// Elements put and not yet marked with `taskDone()`.
        @usableFromInline var unfinished = 0
        @usableFromInline var isShutDown = false
        @usableFromInline var lastWaiterID: UInt64 = 0

        init(maxSize: Int, order: Order) {
            self.maxSize = maxSize
            buffer = Buffer(order: order)
        }

        @inlinable var count: Int { buffer.count }

        @inlinable var isFull: Bool { maxSize > 0 && buffer.count >= maxSize }

        mutating func makeWaiterID() -> UInt64 {
            lastWaiterID &+= 1
            return lastWaiterID
        }

        // MARK: put

        @usableFromInline
        enum PutAction {
            /// Added; hand the element to this getter, if any.
            case added((continuation: GetContinuation, element: Element)?)
            case full
            case shutDown
        }

        @inlinable
        mutating func put(_ element: Element) -> PutAction {
            if isShutDown { return .shutDown }
            if let getter = getters.popFirst() {
                unfinished += 1
                return .added((getter.continuation, element))
            }
            // Behind waiting putters, a newcomer waits too: puts are admitted in arrival order.
            if isFull || !putters.isEmpty { return .full }
            buffer.push(element)
            unfinished += 1
            return .added(nil)
        }

        enum WaitToPutAction {
            case added((continuation: GetContinuation, element: Element)?)
            case shutDown
            case cancelled
            case suspended
        }

        /// A putter found the queue full and now waits with its continuation; room may have appeared
        /// meanwhile, or its cancellation handler may already have run.
        mutating func waitToPut(
            _ id: UInt64, _ element: Element, _ continuation: PutContinuation, isCancelled: Bool
        ) -> WaitToPutAction {
            switch put(element) {
            case .added(let getter): return .added(getter)
            case .shutDown: return .shutDown
            case .full:
                if isCancelled { return .cancelled }
                putters.append((id, element, continuation))
                return .suspended
            }
        }

        // MARK: get

        @usableFromInline
        enum GetAction {
            /// The element; and the putters whose elements were just let in, to resume.
            case element(Element, [PutContinuation])
            case empty
            case shutDown
        }

        @inlinable
        mutating func get() -> GetAction {
            guard let element = buffer.pop() else { return isShutDown ? .shutDown : .empty }
            guard !putters.isEmpty, buffer.count <= maxSize / 2 else { return .element(element, []) }
            var admitted: [PutContinuation] = []
            while buffer.count < maxSize, let putter = putters.popFirst() {
                buffer.push(putter.element)
                unfinished += 1
                admitted.append(putter.continuation)
            }
            return .element(element, admitted)
        }

        enum WaitToGetAction {
            case element(Element, [PutContinuation])
            case shutDown
            case cancelled
            case suspended
        }

        mutating func waitToGet(_ id: UInt64, _ continuation: GetContinuation, isCancelled: Bool) -> WaitToGetAction {
            switch get() {
            case .element(let element, let putters): return .element(element, putters)
            case .shutDown: return .shutDown
            case .empty:
                if isCancelled { return .cancelled }
                getters.append((id, continuation))
                return .suspended
            }
        }

        /// A waiting getter was cancelled: it leaves the line, unless a put already handed it an element.
        mutating func cancelGetter(_ id: UInt64) -> GetContinuation? {
            guard let index = getters.firstIndex(where: { $0.id == id }) else { return nil }
            return getters.remove(at: index).continuation
        }

        /// A waiting putter or joiner was cancelled: it leaves, unless it was already let through.
        /// A putter that leaves takes its element with it: the element was never added.
        mutating func cancelWaiter(_ id: UInt64) -> PutContinuation? {
            if let joiner = joiners.removeValue(forKey: id) { return joiner }
            guard let index = putters.firstIndex(where: { $0.id == id }) else { return nil }
            return putters.remove(at: index).continuation
        }

        // MARK: taskDone, join, shutdown

        /// One element is done; returns the joiners to resume (empty unless that was the last),
        /// or `nil` if there was nothing unfinished.
        mutating func taskDone() -> [PutContinuation]? {
            guard unfinished > 0 else { return nil }
            unfinished -= 1
            return unfinished == 0 ? takeJoiners() : []
        }

        enum JoinAction { case resume, cancel, suspend }

        mutating func join(_ id: UInt64, _ continuation: PutContinuation, isCancelled: Bool) -> JoinAction {
            if unfinished == 0 { return .resume }
            if isCancelled { return .cancel }
            joiners[id] = continuation
            return .suspend
        }

        /// Stops the queue; returns everyone to wake: getters and putters get `shutDown`, joiners return.
        mutating func shutdown(
            immediately: Bool
        ) -> (getters: [GetContinuation], putters: [PutContinuation], joiners: [PutContinuation]) {
            isShutDown = true
            let woken = (getters.map(\.continuation), putters.map(\.continuation))
            getters = []
            putters = []
            guard immediately else { return (woken.0, woken.1, []) }
            unfinished = max(0, unfinished - buffer.count)
            buffer.removeAll()
            return (woken.0, woken.1, unfinished == 0 ? takeJoiners() : [])
        }

        private mutating func takeJoiners() -> [PutContinuation] {
            defer { joiners = [:] }
            return Array(joiners.values)
        }
    }

    /// The elements, in a deque (FIFO, LIFO) or a heap (priority); only one of the two is used.
    @usableFromInline
    struct Buffer: Sendable {
        @usableFromInline var deque: Deque<Element> = []
        @usableFromInline var heap: Heap<Prioritized> = []
        @usableFromInline let order: Order.Kind
        @usableFromInline var sequence: UInt64 = 0

        init(order: Order) { self.order = order.kind }

        @inlinable var count: Int {
            if case .priority = order { return heap.count }
            return deque.count
        }

        @inlinable
        mutating func push(_ element: Element) {
            switch order {
            case .fifo, .lifo: deque.append(element)
            case .priority(let areInIncreasingOrder):
                sequence &+= 1
                heap.insert(Prioritized(element: element, sequence: sequence, areInIncreasingOrder: areInIncreasingOrder))
            }
        }

        @inlinable
        mutating func pop() -> Element? {
            switch order {
            case .fifo: deque.popFirst()
            case .lifo: deque.popLast()
            case .priority: heap.popMin()?.element
            }
        }

        mutating func removeAll() {
            deque.removeAll()
            heap = []
        }
    }

    /// An element in the priority heap: ordered by the caller's predicate, ties by arrival.
    @usableFromInline
    struct Prioritized: Comparable, Sendable {
        @usableFromInline let element: Element
        @usableFromInline let sequence: UInt64
        @usableFromInline let areInIncreasingOrder: @Sendable (Element, Element) -> Bool

        @inlinable
        init(element: Element, sequence: UInt64, areInIncreasingOrder: @escaping @Sendable (Element, Element) -> Bool) {
            self.element = element
            self.sequence = sequence
            self.areInIncreasingOrder = areInIncreasingOrder
        }

        @inlinable
        static func < (lhs: Prioritized, rhs: Prioritized) -> Bool {
            if lhs.areInIncreasingOrder(lhs.element, rhs.element) { return true }
            if lhs.areInIncreasingOrder(rhs.element, lhs.element) { return false }
            return lhs.sequence < rhs.sequence
        }

        @inlinable
        static func == (lhs: Prioritized, rhs: Prioritized) -> Bool { lhs.sequence == rhs.sequence }
    }
}
