import Foundation
import Testing
import Parallel

extension FuturesSuite {
    @Suite("wait(for:timeout:returnWhen:)", .timeLimit(.minutes(1)))
    struct WaitTests {
        @Test("firstCompleted returns as soon as one future is done")
        func firstCompleted() throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 2)
            defer { executor.shutdown() }
            let gate = FuturesGate()
            let blocked = try executor.submit { gate.wait() }
            let quick = try executor.submit { true }
            let (done, notDone) = try wait(for: [blocked, quick], returnWhen: .firstCompleted)
            #expect(done == [quick])
            #expect(notDone == [blocked])
            gate.open()
        }

        @Test("firstException returns at the first failure, not at a cancellation")
        func firstException() throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 2)
            defer { executor.shutdown() }
            let gate = FuturesGate()
            let blocked = try executor.submit { gate.wait() }
            let cancelled = Promise<Bool>()
            cancelled.future.cancel()
            let failing = try executor.submit { () throws -> Bool in throw Boom(id: 5) }
            let (done, notDone) = try wait(for: [blocked, cancelled.future, failing], returnWhen: .firstException)
            #expect(done == [cancelled.future, failing])
            #expect(notDone == [blocked])
            gate.open()
        }

        @Test("firstException without failures waits for all")
        func firstExceptionWithoutFailure() throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 2)
            defer { executor.shutdown() }
            let futures = try (0..<10).map { number in try executor.submit { number } }
            let (done, notDone) = try wait(for: futures, returnWhen: .firstException)
            #expect(done == Set(futures) && notDone.isEmpty)
        }

        @Test("allCompleted returns when every future is done")
        func allCompleted() throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 3)
            defer { executor.shutdown() }
            let futures = try (0..<100).map { number in try executor.submit { number } }
            let (done, notDone) = try wait(for: futures)
            #expect(done.count == 100 && notDone.isEmpty)
        }

        @Test("wait returns at the timeout with the unfinished futures in notDone")
        func timeout() throws {
            let done = Promise<Int>()
            done.succeed(1)
            let never = Promise<Int>()
            let clock = ContinuousClock()
            let start = clock.now
            let result = try wait(for: [done.future, never.future], timeout: .milliseconds(100))
            #expect(clock.now - start >= .milliseconds(100))
            #expect(result.done == [done.future] && result.notDone == [never.future])
        }

        @Test("the async wait returns at firstCompleted and at allCompleted")
        func asyncWait() async throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 2)
            let gate = FuturesGate()
            let blocked = try executor.submit { gate.wait() }
            let quick = try executor.submit { true }
            let first = try await wait(for: [blocked, quick], returnWhen: .firstCompleted)
            #expect(first.done == [quick] && first.notDone == [blocked])
            gate.open()
            let all = try await wait(for: [blocked, quick], returnWhen: .allCompleted)
            #expect(all.done == [blocked, quick] && all.notDone.isEmpty)
            await executor.shutdown()
        }

        @Test("the async wait returns when its clock passes the timeout")
        func asyncTimeout() async throws {
            let clock = TestClock()
            let never = Promise<Int>()
            let waiting = Task { try await wait(for: [never.future], timeout: .seconds(3), clock: clock) }
            await clock.waitForSleepers(1)
            clock.advance(by: .seconds(3))
            let result = try await waiting.value
            #expect(result.done.isEmpty && result.notDone == [never.future])
        }
    }
}
