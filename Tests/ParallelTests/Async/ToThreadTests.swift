import Testing
import Parallel

@Suite("toThread", .timeLimit(.minutes(1)))
struct ToThreadTests {
    @Test("toThread runs the body on a shared pool thread, not the caller's, and returns its value")
    func runsOnPoolThread() async throws {
        let name = try await toThread { OSThreads.currentName() }
        #expect(name.hasPrefix("Parallel.shared"))
    }

    @Test("toThread rethrows the body's error")
    func rethrowsBodyError() async {
        await #expect(throws: Boom(id: 5)) { try await toThread { () throws -> Int in throw Boom(id: 5) } }
    }

    @Test("a task cancelled before its body starts never runs it and throws CancellationError")
    func cancelledBeforeStart() async throws {
        let executor = try ThreadPoolExecutor(maxWorkers: 1)
        let gate = Condition()
        nonisolated(unsafe) var open = false  // guarded by gate.lock
        // Occupy the only thread so the next body stays queued.
        let blocker = try executor.submit { try gate.withLock { _ = try gate.wait(for: { open }, timeout: .seconds(10)) } }
        let ran = LockedValue(false)
        let task = Task { try await toThread(on: executor) { ran.withLock { $0 = true } } }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        gate.withLock { open = true; gate.notifyAll() }
        _ = try await blocker.value
        await executor.shutdown()
        #expect(ran.withLock { $0 } == false)
    }
}
