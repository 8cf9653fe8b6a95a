import Parallel
import Testing

extension ThreadsTests {
    @Suite("Queue", .timeLimit(.minutes(1)))
    struct QueueTests {
        /// Drains `queue` without blocking.
        private func drain<T>(_ queue: Queue<T>) -> [T] {
            var items: [T] = []
            for _ in 0..<10_000 {
                guard let item = try? queue.getNowait() else { break }
                items.append(item)
            }
            return items
        }

        @Test("FIFO gives items in the order they were put")
        func fifo() throws {
            let queue = try Queue<Int>()
            for item in [3, 1, 2] { try queue.put(item) }
            #expect(drain(queue) == [3, 1, 2])
        }

        @Test("LIFO gives the last item put first")
        func lifo() throws {
            let queue = try Queue<Int>(order: .lifo)
            for item in [3, 1, 2] { try queue.put(item) }
            #expect(drain(queue) == [2, 1, 3])
        }

        @Test("priority gives the smallest first")
        func priority() throws {
            let queue = try Queue<Int>(order: .priority)
            for item in [5, 1, 4, 2, 3, 1] { try queue.put(item) }
            #expect(drain(queue) == [1, 1, 2, 3, 4, 5])
        }

        @Test("priority by a comparator keeps equal priorities first in, first out")
        func stablePriority() throws {
            struct Job: Sendable, Equatable { var rank: Int; var name: String }
            let queue = try Queue<Job>(order: .priority(by: { $0.rank < $1.rank }))
            let jobs = [Job(rank: 2, name: "a"), Job(rank: 1, name: "b"), Job(rank: 2, name: "c"),
                        Job(rank: 1, name: "d"), Job(rank: 2, name: "e"), Job(rank: 1, name: "f")]
            for job in jobs { try queue.putNowait(job) }
            #expect(drain(queue).map(\.name) == ["b", "d", "f", "a", "c", "e"])
        }

        @Test("count, isEmpty and isFull follow puts and gets; maxSize 0 is unbounded")
        func counting() throws {
            let bounded = try Queue<Int>(maxSize: 2)
            #expect(bounded.isEmpty && !bounded.isFull && bounded.count == 0)
            try bounded.put(1)
            try bounded.put(2)
            #expect(bounded.isFull && bounded.count == 2 && bounded.maxSize == 2)
            _ = try bounded.get()
            #expect(!bounded.isFull && bounded.count == 1)

            let unbounded = try Queue<Int>(maxSize: 0)
            for item in 0..<1_000 { try unbounded.putNowait(item) }
            #expect(!unbounded.isFull && unbounded.count == 1_000)
        }

        @Test("get on an empty queue really waits for the timeout, then throws .empty")
        func getTimesOut() throws {
            let queue = try Queue<Int>()
            let (result, elapsed) = timed { Result { () throws in try queue.get(timeout: .milliseconds(50)) } }
            #expect(throws: QueueError.empty) { try result.get() }
            #expect(elapsed >= .milliseconds(50))
            #expect(throws: QueueError.empty) { try queue.getNowait() }
        }

        @Test("put on a full queue really waits for the timeout, then throws .full")
        func putTimesOut() throws {
            let queue = try Queue<Int>(maxSize: 1)
            try queue.put(1)
            let (result, elapsed) = timed { Result { () throws in try queue.put(2, timeout: .milliseconds(50)) } }
            #expect(throws: QueueError.full) { try result.get() }
            #expect(elapsed >= .milliseconds(50))
            #expect(throws: QueueError.full) { try queue.putNowait(3) }
            #expect(drain(queue) == [1])
        }

        @Test("a put on one thread wakes a getter blocked on another")
        func crossThreadGet() throws {
            let queue = try Queue<String>()
            let started = Event()
            let getter = try spawnThread { () throws -> String in
                started.set()
                return try queue.get(timeout: .seconds(10))
            }
            #expect(try started.wait(timeout: .seconds(10)))
            try queue.put("hello")
            #expect(try getter.join() == "hello")
        }

        @Test("a get on one thread wakes a putter blocked on a full queue")
        func crossThreadPut() throws {
            let queue = try Queue<Int>(maxSize: 1)
            try queue.put(1)
            let putter = try spawnThread { try queue.put(2, timeout: .seconds(10)) }
            #expect(try queue.get(timeout: .seconds(10)) == 1)
            try putter.join()
            #expect(try queue.get(timeout: .seconds(10)) == 2)
        }

        @Test("join returns once every item put has been marked done")
        func joinWaitsForTaskDone() throws {
            let queue = try Queue<Int>()
            let processed = LockedValue(0)
            let worker = try spawnThread {
                while let item = try? queue.get(timeout: .seconds(10)) {
                    processed.withLock { $0 += item }
                    try queue.taskDone()
                }
            }
            for item in 1...10 { try queue.put(item) }
            queue.join()
            #expect(processed.withLock { $0 } == 55)
            queue.shutdown()
            try worker.join()
        }

        @Test("taskDone called more times than items were put throws a typed error")
        func taskDoneTooManyTimes() throws {
            let queue = try Queue<Int>()
            #expect(throws: QueueError.taskDoneTooManyTimes) { try queue.taskDone() }
            try queue.put(1)
            _ = try queue.get()
            try queue.taskDone()
            #expect(throws: QueueError.taskDoneTooManyTimes) { try queue.taskDone() }
            queue.join()   // nothing unfinished: returns at once
        }

        @Test("after shutdown, put throws .shutDown and get drains the rest, then throws .shutDown")
        func shutdownDrains() throws {
            let queue = try Queue<Int>()
            try queue.put(1)
            try queue.put(2)
            queue.shutdown()
            #expect(queue.isShutDown)
            #expect(throws: QueueError.shutDown) { try queue.put(3) }
            #expect(throws: QueueError.shutDown) { try queue.putNowait(3) }
            #expect(try queue.get() == 1)
            #expect(try queue.getNowait() == 2)
            #expect(throws: QueueError.shutDown) { try queue.get() }
            #expect(throws: QueueError.shutDown) { try queue.getNowait() }
        }

        @Test("an immediate shutdown drops the items, gets throw at once and join returns")
        func immediateShutdown() throws {
            let queue = try Queue<Int>()
            for item in 0..<5 { try queue.put(item) }
            queue.shutdown(immediate: true)
            #expect(queue.isEmpty)
            #expect(throws: QueueError.shutDown) { try queue.get() }
            queue.join()   // the dropped items count as done
        }

        @Test("shutdown wakes every blocked getter with .shutDown")
        func shutdownWakesGetters() throws {
            let queue = try Queue<Int>()
            let started = try Semaphore(value: 0)
            let getters = try (0..<3).map { _ in
                try spawnThread { () -> Result<Int, any Error> in
                    started.release()
                    return Result { () throws in try queue.get(timeout: .seconds(10)) }
                }
            }
            for _ in 0..<3 { #expect(try started.acquire(timeout: .seconds(10))) }
            let (_, elapsed) = timed {
                queue.shutdown()
                for getter in getters {
                    #expect(throws: QueueError.shutDown) { try getter.join().get() }
                }
            }
            #expect(elapsed < .seconds(5))
        }

        @Test("shutdown wakes every blocked putter with .shutDown")
        func shutdownWakesPutters() throws {
            let queue = try Queue<Int>(maxSize: 1)
            try queue.put(0)
            let started = try Semaphore(value: 0)
            let putters = try (1...3).map { item in
                try spawnThread { () -> Result<Void, any Error> in
                    started.release()
                    return Result { () throws in try queue.put(item, timeout: .seconds(10)) }
                }
            }
            for _ in 0..<3 { #expect(try started.acquire(timeout: .seconds(10))) }
            let (_, elapsed) = timed {
                queue.shutdown()
                for putter in putters {
                    #expect(throws: QueueError.shutDown) { try putter.join().get() }
                }
            }
            #expect(elapsed < .seconds(5))
            #expect(try queue.get() == 0)
        }

        // Async, awaiting the threads: joining them here would hold a cooperative thread all along.
        @Test("8 producers and 8 consumers move 20,000 items through a bounded queue with an exact sum")
        func stress() async throws {
            let queue = try Queue<Int>(maxSize: 64)
            let producers = try (0..<8).map { producer in
                try spawnThread {
                    for item in stride(from: producer, to: 20_000, by: 8) { try queue.put(item, timeout: .seconds(30)) }
                }
            }
            let consumers = try (0..<8).map { _ in
                try spawnThread { () -> (sum: Int, count: Int) in
                    var sum = 0
                    var count = 0
                    for _ in 0..<20_001 {   // a cap: no consumer can get more than every item
                        guard let item = try? queue.get(timeout: .seconds(30)) else { break }
                        sum += item
                        count += 1
                    }
                    return (sum, count)
                }
            }
            for producer in producers { try await producer.value }
            queue.shutdown()   // consumers drain what is left, then stop
            var count = 0
            var sum = 0
            for consumer in consumers {
                let result = try await consumer.value
                count += result.count
                sum += result.sum
            }
            #expect(count == 20_000)
            #expect(sum == 19_999 * 20_000 / 2)
            #expect(queue.isEmpty)
        }
    }
}
