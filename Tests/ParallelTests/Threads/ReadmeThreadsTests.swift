import Parallel
import Testing

/// The examples of the README's threads section, verbatim, so they cannot rot. Keep them in sync.
extension ThreadsTests {
    @Suite("README: threads", .timeLimit(.minutes(1)))
    struct ReadmeThreadsTests {
        @Test("Start threads and join them for their values")
        func spawnAndJoin() throws {
            let workers = try (0..<3).map { index in
                try spawnThread(name: "Thread-\(index)") { index * index }
            }
            let squares = try workers.map { try $0.join() }   // [0, 1, 4]; from async code: try await $0.value

            #expect(squares == [0, 1, 4])
        }

        @Test("Event, Semaphore and Barrier")
        func primitives() throws {
            let ready = Event()
            let slots = try Semaphore(value: 2)
            let barrier = try Barrier(parties: 3, timeout: .seconds(5))
            let threads = try (0..<3).map { _ in
                try spawnThread { () throws -> Bool in
                    guard try ready.wait(timeout: .seconds(5)) else { return false }
                    guard try slots.acquire(timeout: .seconds(5)) else { return false }
                    slots.release()
                    try barrier.wait()   // throws BarrierError.broken if a peer times out
                    return true
                }
            }
            ready.set()
            let allPassed = try threads.allSatisfy { try $0.join() }   // true

            #expect(allPassed)
        }

        @Test("A blocking producer-consumer Queue")
        func queue() throws {
            let jobs = try Queue<Int>(maxSize: 100)                    // or order: .lifo, .priority
            let consumer = try spawnThread { () throws -> Int in
                var total = 0
                while true {
                    do { total += try jobs.get() } catch QueueError.shutDown { return total }   // drained and shut down
                    try jobs.taskDone()
                }
            }
            for job in 1...10 { try jobs.put(job) }
            jobs.join()          // every job processed
            jobs.shutdown()      // the consumer drains the rest, then get throws .shutDown
            let total = try consumer.join()   // 55

            #expect(total == 55)
        }

        @Test("Threads and tasks share one queue")
        func threadsAndTasksShareAQueue() async throws {
            let lines = try Queue<String>(maxSize: 16)
            let reader = try spawnThread {                          // blocking I/O on its own thread
                for number in 1...3 { try lines.put("line \(number)") }
                lines.shutdown()
            }
            var received: [String] = []
            while let line = try? await lines.get() { received.append(line) }   // ends after shutdown
            try await reader.value

            #expect(received == ["line 1", "line 2", "line 3"])
        }

        @Test("Per-thread values and a cancellable timer")
        func threadLocalAndTimer() throws {
            let buffer = try ThreadLocal { [Int]() }               // each thread gets its own array
            buffer.value.append(1)
            let otherCount = try spawnThread { buffer.value.count }.join()   // 0: not this thread's array

            let reminder = try ThreadTimer(after: .seconds(30)) { print("still working…") }
            let stoppedInTime = reminder.cancel()                   // true: the closure will never run

            #expect(otherCount == 0)
            #expect(buffer.value == [1])
            #expect(stoppedInTime)
            #expect(reminder.join() == false)
        }
    }
}
