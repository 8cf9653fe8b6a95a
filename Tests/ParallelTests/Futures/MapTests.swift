import Foundation
import Testing
import Parallel

extension FuturesSuite {
    @Suite("ThreadPoolExecutor.map", .timeLimit(.minutes(1)))
    struct MapTests {
        @Test("map yields outcomes in input order, whatever order the tasks finish in")
        func ordered() throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 4)
            defer { executor.shutdown() }
            // Input 0 waits until the last input has run, so the tasks finish out of order.
            let lastRan = FuturesGate()
            let outcomes = try executor.map(0..<20) { number -> Int in
                if number == 0 { lastRan.wait() }
                if number == 19 { lastRan.open() }
                return number * number
            }
            #expect(try outcomes.map { try $0.get() } == (0..<20).map { $0 * $0 })
        }

        @Test("map is lazy: the first outcome is available while later inputs still run")
        func lazy() throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 2)
            defer { executor.shutdown() }
            let gate = FuturesGate()
            let outcomes = try executor.map([1, 2]) { number -> Int in
                if number == 2 { gate.wait() }
                return number
            }
            var iterator = outcomes.makeIterator()
            #expect(try iterator.next()?.get() == 1)
            #expect(!outcomes.futures[1].isDone, "the second input is still blocked")
            gate.open()
            #expect(try iterator.next()?.get() == 2)
            #expect(iterator.next() == nil)
        }

        @Test("a failing input yields its error and the rest still come")
        func failureDoesNotStop() throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 2)
            defer { executor.shutdown() }
            let outcomes = Array(try executor.map(0..<3) { number -> Int in
                if number == 1 { throw Boom(id: number) }
                return number
            })
            #expect(outcomes.count == 3)
            #expect(try outcomes[0].get() == 0 && outcomes[2].get() == 2)
            #expect(throws: Boom(id: 1)) { try outcomes[1].get() }
        }

        @Test("past the overall timeout map yields timedOut, ends, and cancels inputs not started")
        func timeout() throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 1)
            let gate = FuturesGate()
            let clock = ContinuousClock()
            let start = clock.now
            let outcomes = try executor.map([0, 1, 2], timeout: .milliseconds(100)) { number -> Int in
                if number == 0 { gate.wait() }
                return number
            }
            let all = Array(outcomes)
            #expect(clock.now - start >= .milliseconds(100))
            #expect(all.count == 1)
            #expect(throws: FutureError.timedOut(after: .milliseconds(100))) { try all[0].get() }
            #expect(outcomes.futures[1].isCancelled && outcomes.futures[2].isCancelled)
            gate.open()
            executor.shutdown()
            #expect(try outcomes.futures[0].result() == 0, "the running input was not cancelled")
        }

        @Test("map after shutdown throws shutDown")
        func afterShutdown() throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 1)
            executor.shutdown()
            #expect(throws: ThreadPoolExecutorError.shutDown) { try executor.map([1]) { $0 } }
        }
    }
}
