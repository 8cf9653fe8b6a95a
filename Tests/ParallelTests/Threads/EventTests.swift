import Parallel
import Testing

extension ThreadsTests {
    @Suite("Event", .timeLimit(.minutes(1)))
    struct EventTests {
        @Test("set, isSet and clear change the flag; wait returns at once while it is set")
        func flag() throws {
            let event = Event()
            #expect(!event.isSet)
            event.set()
            #expect(event.isSet)
            #expect(try event.wait(timeout: .zero))
            #expect(try event.wait())
            event.clear()
            #expect(!event.isSet)
            #expect(try event.wait(timeout: .zero) == false)
        }

        @Test("wait on an unset event really waits for the timeout, then returns false")
        func waitTimesOut() throws {
            let event = Event()
            let (result, elapsed) = try timed { try event.wait(timeout: .milliseconds(50)) }
            #expect(result == false)
            #expect(elapsed >= .milliseconds(50))
        }

        @Test("set on one thread wakes every thread waiting on another")
        func wakesAll() throws {
            let event = Event()
            let arrived = try Semaphore(value: 0)
            let waiters = try (0..<4).map { _ in
                try spawnThread { () -> Bool in
                    arrived.release()
                    return try event.wait(timeout: .seconds(10))
                }
            }
            for _ in 0..<4 { #expect(try arrived.acquire(timeout: .seconds(10))) }
            event.set()
            for waiter in waiters { #expect(try waiter.join()) }
        }
    }
}
