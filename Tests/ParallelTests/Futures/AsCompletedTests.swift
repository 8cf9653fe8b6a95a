import Foundation
import Testing
import Parallel

extension FuturesSuite {
    @Suite("asCompleted", .timeLimit(.minutes(1)))
    struct AsCompletedTests {
        @Test("asCompleted yields done futures first, then each in completion order, each once")
        func completionOrder() throws {
            let promises = (0..<3).map { _ in Promise<Int>() }
            promises[2].succeed(2)
            let futures = promises.map(\.future) + [promises[0].future]  // a duplicate
            var iterator = try asCompleted(futures).makeIterator()
            #expect(try iterator.next()?.get() == promises[2].future)
            promises[0].succeed(0)
            #expect(try iterator.next()?.get() == promises[0].future)
            promises[1].fail(Boom(id: 1))
            #expect(try iterator.next()?.get() == promises[1].future)
            #expect(iterator.next() == nil)
        }

        @Test("asCompleted blocks until a pool thread completes a future")
        func blocksForCompletion() throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 2)
            defer { executor.shutdown() }
            let gate = FuturesGate()
            let slow = try executor.submit { gate.wait() }
            let sequence = try asCompleted([slow])
            try executor.submit { gate.open() }
            let yielded = try sequence.map { try $0.get() }
            #expect(yielded == [slow])
        }

        @Test("after the timeout asCompleted yields timedOut last and stops")
        func timeout() throws {
            let done = Promise<Int>()
            done.succeed(1)
            let never = Promise<Int>()
            let clock = ContinuousClock()
            let start = clock.now
            let outcomes = Array(try asCompleted([never.future, done.future], timeout: .milliseconds(100)))
            #expect(clock.now - start >= .milliseconds(100))
            #expect(outcomes.count == 2)
            #expect(try outcomes[0].get() == done.future)
            #expect(throws: FutureError.timedOut(after: .milliseconds(100))) { try outcomes[1].get() }
        }

        @Test("the async asCompleted yields in completion order")
        func asyncOrder() async throws {
            let promises = (0..<3).map { _ in Promise<Int>() }
            promises[1].succeed(1)
            var iterator = try asCompleted(promises.map(\.future), timeout: nil, clock: ContinuousClock()).makeAsyncIterator()
            #expect(try await iterator.next() == promises[1].future)
            let waiting = Task { [iterator] in
                var iterator = iterator
                return try await iterator.next()
            }
            promises[2].succeed(2)
            #expect(try await waiting.value == promises[2].future)
            promises[0].future.cancel()
            #expect(try await iterator.next() == promises[0].future)
            #expect(try await iterator.next() == nil)
        }

        @Test("the async asCompleted throws timedOut when its clock passes the timeout")
        func asyncTimeout() async throws {
            let clock = TestClock()
            let done = Promise<Int>()
            done.succeed(0)
            let never = Promise<Int>()
            var iterator = try asCompleted([done.future, never.future], timeout: .seconds(5), clock: clock).makeAsyncIterator()
            #expect(try await iterator.next() == done.future)
            clock.advance(by: .seconds(4))
            let waiting = Task { [iterator] in
                var iterator = iterator
                return try await iterator.next()
            }
            clock.advance(by: .seconds(1))
            await #expect(throws: FutureError.timedOut(after: .seconds(5))) { try await waiting.value }
            #expect(!never.future.isDone)
        }

        @Test("cancelling the iterating task throws CancellationError and leaves the futures alone")
        func asyncCancellation() async throws {
            let never = Promise<Int>()
            let sequence = try asCompleted([never.future], timeout: nil, clock: ContinuousClock())
            let waiting = Task {
                for try await _ in sequence {}
            }
            waiting.cancel()
            await #expect(throws: CancellationError.self) { try await waiting.value }
            #expect(!never.future.isCancelled)
        }
    }
}
