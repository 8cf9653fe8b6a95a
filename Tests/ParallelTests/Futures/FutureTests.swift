import Foundation
import Testing
import Parallel

extension FuturesSuite {
    @Suite("Future and Promise", .timeLimit(.minutes(1)))
    struct FutureTests {
        @Test("a promise's value is what result() returns, and the future reports done")
        func promiseCompletes() throws {
            let promise = Promise<Int>()
            #expect(!promise.future.isDone && !promise.future.isRunning)
            #expect(promise.markRunning())
            #expect(promise.future.isRunning)
            #expect(promise.succeed(42))
            #expect(try promise.future.result() == 42)
            #expect(promise.future.isDone && !promise.future.isRunning && !promise.future.isCancelled)
            #expect(promise.future.error == nil)
        }

        @Test("the first completion wins; later ones change nothing")
        func firstCompletionWins() throws {
            let promise = Promise<Int>()
            #expect(promise.succeed(1))
            #expect(!promise.succeed(2))
            #expect(!promise.fail(Boom(id: 3)))
            #expect(try promise.future.result() == 1)
        }

        @Test("result() rethrows the task's error and error exposes it")
        func failureIsRethrown() {
            let promise = Promise<Int>()
            promise.fail(Boom(id: 7))
            #expect(throws: Boom(id: 7)) { try promise.future.result() }
            #expect(promise.future.error as? Boom == Boom(id: 7))
        }

        @Test("cancel succeeds only while pending; a cancelled future cannot start and throws cancelled")
        func cancelOnlyWhilePending() {
            let pending = Promise<Int>()
            #expect(pending.future.cancel())
            #expect(pending.future.cancel(), "cancelling again still reports cancelled")
            #expect(pending.future.isCancelled && pending.future.isDone)
            #expect(!pending.markRunning())
            #expect(throws: FutureError.cancelled) { try pending.future.result() }
            #expect(pending.future.error as? FutureError == .cancelled)

            let running = Promise<Int>()
            #expect(running.markRunning())
            #expect(!running.future.cancel())
            #expect(running.future.isRunning && !running.future.isCancelled)

            let finished = Promise<Int>()
            finished.succeed(1)
            #expect(!finished.future.cancel())
            #expect(!finished.future.isCancelled)
        }

        @Test("result(timeout:) throws timedOut after at least the timeout")
        func resultTimesOut() {
            let promise = Promise<Int>()
            let clock = ContinuousClock()
            let start = clock.now
            #expect(throws: FutureError.timedOut(after: .milliseconds(100))) {
                try promise.future.result(timeout: .milliseconds(100))
            }
            #expect(clock.now - start >= .milliseconds(100))
            #expect(!promise.future.isDone, "a timeout does not touch the future")
        }

        @Test("result() wakes when another thread completes the future")
        func resultWakesUp() throws {
            let promise = Promise<String>()
            let executor = try ThreadPoolExecutor(maxWorkers: 1)
            defer { executor.shutdown() }
            let started = FuturesGate()
            try executor.submit {
                started.wait()
                promise.succeed("done")
            }
            started.open()
            #expect(try promise.future.result(timeout: .seconds(10)) == "done")
        }

        @Test("a callback added after completion runs once, at once, on the caller's thread")
        func callbackAfterCompletion() {
            let promise = Promise<Int>()
            promise.succeed(5)
            let calls = LockedValue<[Int]>([])
            let caller = pthread_self()
            let onCallerThread = LockedValue(false)
            promise.future.onComplete { outcome in
                calls.withLock { $0.append((try? outcome.get()) ?? -1) }
                onCallerThread.withLock { $0 = pthread_equal(pthread_self(), caller) != 0 }
            }
            #expect(calls.withLock { $0 } == [5])
            #expect(onCallerThread.withLock { $0 })
            promise.succeed(6)
            #expect(calls.withLock { $0 } == [5], "a later completion attempt does not call it again")
        }

        @Test("callbacks added before completion run once each, in order, with the outcome")
        func callbacksBeforeCompletion() {
            let promise = Promise<Int>()
            let calls = LockedValue<[String]>([])
            promise.future.onComplete { outcome in calls.withLock { $0.append("a\((try? outcome.get()) ?? -1)") } }
            promise.future.onComplete { outcome in calls.withLock { $0.append("b\((try? outcome.get()) ?? -1)") } }
            #expect(calls.withLock { $0 }.isEmpty)
            promise.succeed(1)
            promise.fail(Boom(id: 0))
            #expect(calls.withLock { $0 } == ["a1", "b1"])
        }

        @Test("cancelling runs the callbacks with the cancelled error")
        func cancelRunsCallbacks() {
            let promise = Promise<Int>()
            let outcome = LockedValue<FutureError?>(nil)
            promise.future.onComplete { result in
                if case .failure(let error) = result { outcome.withLock { $0 = error as? FutureError } }
            }
            promise.future.cancel()
            #expect(outcome.withLock { $0 } == .cancelled)
        }

        @Test("callbacks added from many threads while the future completes each fire exactly once")
        func callbacksFromManyThreads() {
            let promise = Promise<Int>()
            let threads = 8
            let perThread = 2_000
            let fired = LockedValue([Int](repeating: 0, count: threads * perThread))
            DispatchQueue.concurrentPerform(iterations: threads + 1) { thread in
                if thread == threads {
                    promise.succeed(1)
                    return
                }
                for index in 0..<perThread {
                    let slot = thread * perThread + index
                    promise.future.onComplete { _ in fired.withLock { $0[slot] += 1 } }
                }
            }
            #expect(fired.withLock { $0.allSatisfy { $0 == 1 } })
        }

        @Test("await value suspends until completion and returns the value")
        func asyncValue() async throws {
            let promise = Promise<Int>()
            let waiter = Task { try await promise.future.value }
            promise.succeed(9)
            #expect(try await waiter.value == 9)
            #expect(try await promise.future.value == 9)
        }

        @Test("await value throws the failure, or cancelled for a cancelled future")
        func asyncValueThrows() async {
            let failed = Promise<Int>()
            failed.fail(Boom(id: 2))
            await #expect(throws: Boom(id: 2)) { try await failed.future.value }
            let cancelled = Promise<Int>()
            let waiter = Task { try await cancelled.future.value }
            cancelled.future.cancel()
            await #expect(throws: FutureError.cancelled) { try await waiter.value }
        }

        @Test("cancelling the awaiting task does not cancel the future")
        func awaitCancellationDoesNotCancelFuture() async throws {
            let promise = Promise<Int>()
            let waiter = Task { try await promise.future.value }
            waiter.cancel()
            #expect(!promise.future.isCancelled)
            promise.succeed(3)
            #expect(try await waiter.value == 3)
        }

        @Test("futures are equal and hash by identity")
        func identity() {
            let a = Promise<Int>().future
            let b = Promise<Int>().future
            #expect(a == a && a != b)
            #expect(Set([a, b, a]).count == 2)
        }
    }
}
