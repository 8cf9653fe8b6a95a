import Parallel
import Testing

extension ThreadsTests {
    @Suite("Queue: async put and get", .timeLimit(.minutes(1)))
    struct QueueAsyncTests {
        @Test("async put and get keep the queue's order")
        func roundTrip() async throws {
            let queue = try Queue<Int>(order: .lifo)
            for item in 1...3 { try await queue.put(item) }
            var items: [Int] = []
            for _ in 1...3 { items.append(try await queue.get()) }
            #expect(items == [3, 2, 1])
        }

        @Test(
            "8 producer threads feed 4 async consumers 8,000 items with an exact sum",
            .timeLimit(.minutes(1))
        )
        func threadsFeedTasks() async throws {
            let queue = try Queue<Int>(maxSize: 32)
            let producers = try (0..<8).map { producer in
                try spawnThread {
                    for item in stride(from: producer, to: 8_000, by: 8) { try queue.put(item, timeout: .seconds(30)) }
                }
            }
            let total = await withTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        var sum = 0
                        while let item = try? await queue.get() { sum += item }   // ends at shutdown
                        return sum
                    }
                }
                for producer in producers { try? await producer.value }
                queue.shutdown()
                return await group.reduce(0, +)
            }
            #expect(total == 7_999 * 8_000 / 2)
        }

        @Test(
            "async producers suspended on a full queue are resumed by consumer threads; the sum is exact",
            .timeLimit(.minutes(1))
        )
        func tasksFeedThreads() async throws {
            let queue = try Queue<Int>(maxSize: 4)
            let consumers = try (0..<2).map { _ in
                try spawnThread { () -> Int in
                    var sum = 0
                    for _ in 0..<4_001 {   // a cap: no consumer gets more than every item
                        guard let item = try? queue.get(timeout: .seconds(30)) else { break }
                        sum += item
                    }
                    return sum
                }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for producer in 0..<4 {
                    group.addTask {
                        for item in stride(from: producer, to: 4_000, by: 4) { try await queue.put(item) }
                    }
                }
                try await group.waitForAll()
            }
            queue.shutdown()
            var total = 0
            for consumer in consumers { total += try await consumer.value }
            #expect(total == 3_999 * 4_000 / 2)
        }

        @Test(
            "thread and task getters mixed on one queue all get woken: none is left waiting with items queued",
            .timeLimit(.minutes(1))
        )
        func mixedGetters() async throws {
            let queue = try Queue<Int>()
            let threadGetters = try (0..<2).map { _ in
                try spawnThread { () -> Int in
                    var sum = 0
                    for _ in 0..<10_001 {
                        guard let item = try? queue.get(timeout: .seconds(30)) else { break }
                        sum += item
                    }
                    return sum
                }
            }
            let producer = try spawnThread {
                for item in 0..<10_000 { try queue.put(item) }
            }
            let taskSum = await withTaskGroup(of: Int.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        var sum = 0
                        while let item = try? await queue.get() { sum += item }
                        return sum
                    }
                }
                try? await producer.value
                queue.shutdown()
                return await group.reduce(0, +)
            }
            var total = taskSum
            for getter in threadGetters { total += try await getter.value }
            #expect(total == 9_999 * 10_000 / 2)
        }

        @Test("a cancelled async get throws .cancelled and takes no item")
        func cancelGet() async throws {
            let queue = try Queue<Int>()
            let waiter = Task { try await queue.get() }
            waiter.cancel()
            await #expect(throws: QueueError.cancelled) { try await waiter.value }
            try queue.putNowait(7)
            #expect(try queue.getNowait() == 7)
        }

        @Test("a cancelled async put on a full queue throws .cancelled and adds nothing")
        func cancelPut() async throws {
            let queue = try Queue<Int>(maxSize: 1)
            try queue.putNowait(1)
            let waiter = Task { try await queue.put(2) }
            waiter.cancel()
            await #expect(throws: QueueError.cancelled) { try await waiter.value }
            #expect(queue.count == 1)
            #expect(try queue.getNowait() == 1)
        }

        @Test("shutdown wakes suspended async getters and putters with .shutDown", .timeLimit(.minutes(1)))
        func shutdownWakesTasks() async throws {
            let empty = try Queue<Int>()
            let full = try Queue<Int>(maxSize: 1)
            try full.putNowait(0)
            let getters = (0..<3).map { _ in Task { try await empty.get() } }
            let putters = (1...3).map { item in Task { try await full.put(item) } }
            empty.shutdown()
            full.shutdown()
            for getter in getters { await #expect(throws: QueueError.shutDown) { try await getter.value } }
            for putter in putters { await #expect(throws: QueueError.shutDown) { try await putter.value } }
            #expect(try full.getNowait() == 0)
        }
    }
}
