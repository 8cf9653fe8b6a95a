import Parallel
import Testing

extension ThreadsTests {
    @Suite("Thread primitives: invalid arguments", .timeLimit(.minutes(1)))
    struct ThreadArgumentTests {
        static let calls: [InvalidCall] = [
            InvalidCall("Queue(maxSize: -1)", "maxSize must be at least 0 (got -1)") { _ = try Queue<Int>(maxSize: -1) },
            InvalidCall("queue.put(timeout: -1 s)", "timeout must be zero or more (got -1.0 seconds)") {
                try Queue<Int>().put(1, timeout: .seconds(-1))
            },
            InvalidCall("queue.get(timeout: -1 ms)", "timeout must be zero or more (got -0.001 seconds)") {
                _ = try Queue<Int>().get(timeout: .milliseconds(-1))
            },
            InvalidCall("Semaphore(value: -1)", "value must be at least 0 (got -1)") { _ = try Semaphore(value: -1) },
            InvalidCall("semaphore.acquire(timeout: -1 s)", "timeout must be zero or more (got -1.0 seconds)") {
                _ = try Semaphore(value: 0).acquire(timeout: .seconds(-1))
            },
            InvalidCall("BoundedSemaphore(value: -2)", "value must be at least 0 (got -2)") { _ = try BoundedSemaphore(value: -2) },
            InvalidCall("boundedSemaphore.acquire(timeout: -1 s)", "timeout must be zero or more (got -1.0 seconds)") {
                _ = try BoundedSemaphore(value: 0).acquire(timeout: .seconds(-1))
            },
            InvalidCall("Barrier(parties: 0)", "parties must be at least 1 (got 0)") { _ = try Barrier(parties: 0) },
            InvalidCall("Barrier(parties: -1)", "parties must be at least 1 (got -1)") { _ = try Barrier(parties: -1) },
            InvalidCall("Barrier(timeout: -1 s)", "timeout must be zero or more (got -1.0 seconds)") {
                _ = try Barrier(parties: 2, timeout: .seconds(-1))
            },
            InvalidCall("barrier.wait(timeout: -1 s)", "timeout must be zero or more (got -1.0 seconds)") {
                _ = try Barrier(parties: 2).wait(timeout: .seconds(-1))
            },
            InvalidCall("event.wait(timeout: -1 s)", "timeout must be zero or more (got -1.0 seconds)") {
                _ = try Event().wait(timeout: .seconds(-1))
            },
            InvalidCall("condition.wait(timeout: -1 s)", "timeout must be zero or more (got -1.0 seconds)") {
                let condition = Condition()
                _ = try condition.withLock { try condition.wait(timeout: .seconds(-1)) }
            },
            InvalidCall("condition.wait(for:timeout: -1 s)", "timeout must be zero or more (got -1.0 seconds)") {
                let condition = Condition()
                _ = try condition.withLock { try condition.wait(for: { false }, timeout: .seconds(-1)) }
            },
            InvalidCall("condition.notify(-1)", "count must be at least 0 (got -1)") {
                let condition = Condition()
                try condition.withLock { try condition.notify(-1) }
            },
            InvalidCall("ThreadTimer(after: -1 s)", "delay must be zero or more (got -1.0 seconds)") {
                _ = try ThreadTimer(after: .seconds(-1)) {}
            },
            InvalidCall("handle.join(timeout: -1 s)", "timeout must be zero or more (got -1.0 seconds)") {
                let handle = try spawnThread { 1 }
                defer { _ = try? handle.join() }
                _ = try handle.join(timeout: .seconds(-1))
            },
        ]

        @Test("an invalid count or a negative timeout is refused at the call, naming the argument, the value and the range",
              arguments: calls)
        func refused(_ call: InvalidCall) {
            let error = #expect(throws: InvalidArgumentError.self) { try call.run() }
            #expect(error?.description == call.message)
        }

        @Test("a zero timeout is a non-blocking attempt, not an error")
        func zeroTimeoutsAreValid() throws {
            #expect(throws: QueueError.empty) { _ = try Queue<Int>().get(timeout: .zero) }
            #expect(throws: QueueError.full) { try Queue<Int>(maxSize: 1).putAll([1, 2], timeout: .zero) }
            #expect(try Semaphore(value: 0).acquire(timeout: .zero) == false)
            #expect(try Event().wait(timeout: .zero) == false)
            #expect(try spawnThread { 1 }.join(timeout: .seconds(10)) == 1)
        }
    }
}

private extension Queue {
    /// Puts each item with `timeout`, stopping at the first error.
    func putAll(_ items: [Element], timeout: Duration) throws {
        for item in items { try put(item, timeout: timeout) }
    }
}
