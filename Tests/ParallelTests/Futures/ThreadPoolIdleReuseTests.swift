import Testing
import Parallel

extension FuturesSuite {
    /// A pool thread counts itself idle as soon as its task returns, before its future wakes anyone,
    /// so whatever is submitted next reuses it instead of starting another thread (CPython's
    /// `test_idle_thread_reuse`). Threads are counted from the OS.
    @Suite("ThreadPoolExecutor reuses the thread that just finished", .timeLimit(.minutes(1)))
    struct ThreadPoolIdleReuseTests {
        @Test("submit, result(), submit again, 200 times: one thread runs everything")
        func submitAfterResultReusesThread() throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 4, threadNamePrefix: "reuseidle")
            defer { executor.shutdown() }
            var names: Set<String> = []
            for _ in 0..<200 {
                names.insert(try executor.submit { OSThreads.currentName() }.result(timeout: .seconds(10)))
            }
            #expect(names == ["reuseidle_0"])
            #expect(OSThreads.count(prefix: "reuseidle_") == 1)
        }

        @Test("work submitted while the finished task's future is still telling its callbacks runs on that thread")
        func submitDuringCompletionReusesThread() throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 4, threadNamePrefix: "reusecb")
            defer { executor.shutdown() }
            let gate = FuturesGate()
            let first = try executor.submit { gate.wait() }
            let second = LockedValue<Future<String>?>(nil)
            let submitted = FuturesGate()
            // Registered while the task is held at the gate, so the callback runs on the pool thread
            // as it completes the future; another thread submits meanwhile, as a woken waiter would.
            first.onComplete { _ in
                let future = try? spawnThread { try? executor.submit { OSThreads.currentName() } }.join()
                second.withLock { $0 = future }
                submitted.open()
            }
            gate.open()
            #expect(submitted.wait())
            let future = try #require(second.withLock { $0 })
            #expect(try future.result(timeout: .seconds(10)) == "reusecb_0")
            #expect(OSThreads.count(prefix: "reusecb_") == 1)
        }

        @Test("a completion callback on the pool thread that submits work and waits for it does not deadlock")
        func callbackWaitingForPoolWorkProgresses() throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 2, threadNamePrefix: "cbwait")
            defer { executor.shutdown() }
            let gate = FuturesGate()
            let first = try executor.submit { gate.wait() }
            let inner = LockedValue<Int?>(nil)
            let done = FuturesGate()
            first.onComplete { _ in
                // The pool thread running this callback cannot take the work itself.
                inner.withLock { $0 = try? executor.submit { 42 }.result(timeout: .seconds(5)) }
                done.open()
            }
            gate.open()
            #expect(done.wait())
            #expect(inner.withLock { $0 } == 42)
        }
    }
}
