import Foundation
import Logging
import ParallelTestTasks
import Testing
import Parallel

extension FuturesSuite {
    @Suite("ThreadPoolExecutor", .timeLimit(.minutes(1)))
    struct ThreadPoolExecutorTests {
        // Async, awaiting each future: a blocking wait here would hold one of the two cooperative
        // threads that every other test of the run needs.
        @Test("20,000 tasks over 8 threads give the exact sum")
        func stress() async throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 8)
            let futures = try (0..<20_000).map { number in try executor.submit { number } }
            var sum = 0
            for future in futures { sum += try await future.value }
            await executor.shutdown()
            #expect(sum == 19_999 * 20_000 / 2)
        }

        @Test("the task's error fails its future and the pool goes on")
        func taskErrorFailsOnlyItsFuture() throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 2)
            defer { executor.shutdown() }
            let failing = try executor.submit { () throws -> Int in throw Boom(id: 1) }
            #expect(throws: Boom(id: 1)) { try failing.result(timeout: .seconds(10)) }
            #expect(try executor.submit { 2 }.result(timeout: .seconds(10)) == 2)
        }

        @Test("threads are started lazily, reused, named with the prefix, never more than maxWorkers")
        func threadsReused() throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 3, threadNamePrefix: "reuse")
            defer { executor.shutdown() }
            #expect(OSThreads.count(prefix: "reuse_") == 0, "no thread before the first submit")
            let futures = try (0..<2_000).map { _ in try executor.submit { OSThreads.currentName() } }
            let names = try Set(futures.map { try $0.result(timeout: .seconds(10)) })
            #expect(names.count <= 3 && !names.isEmpty)
            #expect(names.allSatisfy { $0.hasPrefix("reuse_") })
            #expect(OSThreads.count(prefix: "reuse_") <= 3)
        }

        @Test("maxWorkers tasks really run at once, and no pool thread outlives shutdown(wait: true)")
        func noThreadOutlivesShutdown() throws {
            let workers = 4
            let executor = try ThreadPoolExecutor(maxWorkers: workers, threadNamePrefix: "outlive")
            let allStarted = FuturesCountdown(workers)
            let release = FuturesGate()
            let futures = try (0..<workers).map { _ in
                try executor.submit {
                    allStarted.arrive()
                    return release.wait()
                }
            }
            #expect(allStarted.wait(), "all \(workers) tasks run at the same time")
            #expect(OSThreads.count(prefix: "outlive_") == workers)
            release.open()
            executor.shutdown(wait: true)
            #expect(try futures.allSatisfy { try $0.result() })
            #expect(OSThreads.soon { OSThreads.count(prefix: "outlive_") == 0 })
        }

        @Test("shutdown without cancelPending lets queued work finish; submit after shutdown throws")
        func shutdownFinishesPendingWork() throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 1)
            let gate = FuturesGate()
            let blocker = try executor.submit { gate.wait() }
            let pending = try (1...10).map { number in try executor.submit { number } }
            executor.shutdown(wait: false)
            #expect(!executor.isAcceptingWork)
            #expect(throws: ThreadPoolExecutorError.shutDown) { try executor.submit { 0 } }
            #expect(pending.allSatisfy { !$0.isDone }, "the queue is still blocked behind the gate")
            gate.open()
            executor.shutdown(wait: true)
            #expect(try blocker.result())
            #expect(try pending.map { try $0.result() } == Array(1...10))
        }

        @Test("shutdown(cancelPending: true) cancels queued futures; the running task still finishes")
        func shutdownCancelsPending() throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 1)
            let started = FuturesGate()
            let gate = FuturesGate()
            let running = try executor.submit {
                started.open()
                return gate.wait()
            }
            let pending = try (0..<5).map { number in try executor.submit { number } }
            #expect(started.wait())
            executor.shutdown(wait: false, cancelPending: true)
            #expect(pending.allSatisfy { $0.isCancelled })
            #expect(running.isRunning && !running.cancel())
            gate.open()
            executor.shutdown(wait: true)
            #expect(try running.result())
            #expect(throws: FutureError.cancelled) { try pending[0].result() }
        }

        @Test("cancel() works while queued and fails once the task runs")
        func cancelQueuedTask() throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 1)
            defer { executor.shutdown() }
            let started = FuturesGate()
            let gate = FuturesGate()
            let ran = LockedValue(false)
            let running = try executor.submit {
                started.open()
                gate.wait()
            }
            let queued = try executor.submit { ran.withLock { $0 = true } }
            #expect(started.wait())
            #expect(!running.cancel())
            #expect(queued.cancel())
            gate.open()
            executor.shutdown(wait: true)
            #expect(!ran.withLock { $0 }, "a cancelled task never runs")
            #expect(queued.isCancelled)
        }

        @Test("a throwing initializer breaks the pool: pending and later work fail with broken")
        func brokenInitializer() throws {
            struct SetupFailed: Error, CustomStringConvertible { var description: String { "no database" } }
            let executor = try ThreadPoolExecutor(maxWorkers: 2) { throw SetupFailed() }
            defer { executor.shutdown() }
            let future = try executor.submit { 1 }
            #expect(throws: ThreadPoolExecutorError.broken(reason: "no database")) { try future.result(timeout: .seconds(10)) }
            #expect(!executor.isAcceptingWork)
            #expect(throws: ThreadPoolExecutorError.broken(reason: "no database")) { try executor.submit { 2 } }
        }

        @Test("the initializer runs once on each new thread before its work")
        func initializerRunsPerThread() throws {
            let initialized = LockedValue<[String]>([])
            let executor = try ThreadPoolExecutor(maxWorkers: 2, threadNamePrefix: "init") {
                initialized.withLock { $0.append(OSThreads.currentName()) }
            }
            let futures = try (0..<100).map { _ in try executor.submit { OSThreads.currentName() } }
            let used = try Set(futures.map { try $0.result(timeout: .seconds(10)) })
            executor.shutdown()
            let names = initialized.withLock { $0 }
            #expect(Set(names).count == names.count, "once per thread")
            #expect(used.isSubset(of: Set(names)))
        }

        @Test("the default maxWorkers is Python's: min(32, cores + 4)")
        func defaultMaxWorkers() {
            #expect(ThreadPoolExecutor.defaultMaxWorkers >= 5 && ThreadPoolExecutor.defaultMaxWorkers <= 32)
        }

        @Test("the shared executor ignores shutdown and keeps working")
        func sharedSurvivesShutdown() async throws {
            await ThreadPoolExecutor.shared.shutdown()
            #expect(ThreadPoolExecutor.shared.isAcceptingWork)
            let name = try await ThreadPoolExecutor.shared.run { OSThreads.currentName() }
            #expect(name.hasPrefix("Parallel.shared"))
        }

        @Test("run suspends the caller while a pool thread does the work, and rethrows its error")
        func runFromAsyncCode() async throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 2, threadNamePrefix: "runner")
            let name = try await executor.run { OSThreads.currentName() }
            #expect(name.hasPrefix("runner_"))
            await #expect(throws: Boom(id: 4)) {
                try await executor.run { () throws -> Int in throw Boom(id: 4) }
            }
            await executor.shutdown()
            await #expect(throws: ThreadPoolExecutorError.shutDown) { try await executor.run { 1 } }
        }

        @Test("run in a cancelled task never starts the body and throws CancellationError")
        func runCancelledBeforeStart() async throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 1)
            let started = FuturesGate()
            let gate = FuturesGate()
            let blocker = try executor.submit {
                started.open()
                gate.wait()
            }
            #expect(try await ThreadPoolExecutor.shared.run { started.wait() })
            let ran = LockedValue(false)
            let task = Task { try await executor.run { ran.withLock { $0 = true } } }
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
            gate.open()
            _ = try await blocker.value
            await executor.shutdown()
            #expect(!ran.withLock { $0 })
        }

        @Test("async shutdown returns after the threads have finished the queued work")
        func asyncShutdown() async throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 2, threadNamePrefix: "ashut")
            let futures = try (0..<50).map { number in try executor.submit { number } }
            await executor.shutdown()
            #expect(futures.allSatisfy { $0.isDone })
            #expect(try futures.map { try $0.result() }.reduce(0, +) == 49 * 50 / 2)
        }

        @Test("async work that prefers a shut-down pool still runs (on the global executor), never hangs")
        func taskExecutorAfterShutdown() async throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 1, threadNamePrefix: "gone")
            await executor.shutdown()
            let name = await Task(executorPreference: executor) { OSThreads.currentName() }.value
            #expect(!name.hasPrefix("gone_"))
        }

        @Test("withTaskExecutorPreference runs async work on the pool's threads")
        func taskExecutorPreference() async throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 2, threadNamePrefix: "prefer")
            let names = await withTaskExecutorPreference(executor) {
                await withTaskGroup(of: String.self) { group in
                    for _ in 0..<4 { group.addTask { OSThreads.currentName() } }
                    var names = [OSThreads.currentName()]
                    for await name in group { names.append(name) }
                    return names
                }
            }
            #expect(names.count == 5)
            #expect(names.allSatisfy { $0.hasPrefix("prefer_") }, "\(names)")
            await executor.shutdown()
        }

        @Test("its logger hears of each thread's start and exit, and of an initializer that throws, as an error")
        func logs() async throws {
            let log = RecordingLogHandler.Store()
            let logger = Logger(label: "test") { _ in RecordingLogHandler(store: log) }
            struct SetUpFailed: Error {}
            let executor = try ThreadPoolExecutor(maxWorkers: 1, threadNamePrefix: "logged", logger: logger) { throw SetUpFailed() }
            _ = try? executor.submit { 1 }
            await executor.shutdown()
            #expect(log.events("thread pool thread started").map { $0.metadata["thread"] } == ["logged_0"])
            let broken = log.events("thread pool initializer threw; the pool is broken")
            #expect(broken.count == 1 && broken.first?.level == .error)
            #expect(log.events("thread pool thread exiting").count == 1)
        }
    }
}
