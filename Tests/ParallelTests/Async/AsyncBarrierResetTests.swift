import Testing
@testable import Parallel

/// `AsyncBarrier.reset()`, as `asyncio.Barrier.reset()`: the tasks waiting in the current round fail
/// with the broken-barrier error, and the barrier is back to its empty, unbroken state.
@Suite("AsyncBarrier.reset()", .timeLimit(.minutes(1)))
struct AsyncBarrierResetTests {
    @Test("the state machine: reset hands back the round's waiters and the next arrivals form a new round")
    func stateMachineReset() {
        var machine = AsyncBarrier.StateMachine<String>(parties: 3)
        let a = machine.arrive(machine.makeWaiterID(), "a", isCancelled: false)
        let b = machine.arrive(machine.makeWaiterID(), "b", isCancelled: false)
        #expect(label(a) == "suspend" && label(b) == "suspend")
        #expect(machine.reset() == ["a", "b"])
        #expect(!machine.isBroken)
        _ = machine.arrive(machine.makeWaiterID(), "c", isCancelled: false)
        _ = machine.arrive(machine.makeWaiterID(), "d", isCancelled: false)
        #expect(label(machine.arrive(machine.makeWaiterID(), "e", isCancelled: false)) == "release c d e")
    }

    @Test("the state machine: reset after abort makes the barrier usable again")
    func stateMachineResetAfterAbort() {
        var machine = AsyncBarrier.StateMachine<String>(parties: 1)
        _ = machine.abort()
        #expect(label(machine.arrive(machine.makeWaiterID(), "a", isCancelled: false)) == "broken")
        #expect(machine.reset().isEmpty)
        #expect(label(machine.arrive(machine.makeWaiterID(), "b", isCancelled: false)) == "release b")
    }

    @Test("reset() fails the waiting tasks with broken, then a full round passes")
    func resetFailsWaitersThenWorks() async throws {
        guard #available(macOS 26, *) else { return }   // addImmediateTask
        let barrier = try AsyncBarrier(parties: 3)
        let errors = await withTaskGroup(of: (any Error)?.self) { group in
            // An immediate task runs until it suspends, so both wait in the round when reset() runs.
            for _ in 0..<2 {
                group.addImmediateTask {
                    do { _ = try await barrier.wait(); return nil } catch { return error }
                }
            }
            barrier.reset()
            return await group.reduce(into: [(any Error)?]()) { $0.append($1) }
        }
        #expect(errors.count == 2)
        #expect(errors.allSatisfy { ($0 as? AsyncBarrierError) == .broken })
        #expect(!barrier.isBroken)
        let indices = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<3 { group.addTask { try await barrier.wait() } }
            return try await group.reduce(into: Set<Int>()) { $0.insert($1) }
        }
        #expect(indices == [0, 1, 2])
    }

    @Test("reset() after abort() lets the barrier be used again")
    func resetAfterAbort() async throws {
        let barrier = try AsyncBarrier(parties: 2)
        barrier.abort()
        await #expect(throws: AsyncBarrierError.broken) { try await barrier.wait() }
        barrier.reset()
        #expect(!barrier.isBroken)
        async let one = barrier.wait()
        async let two = barrier.wait()
        #expect(Set([try await one, try await two]) == [0, 1])
    }
}

/// An arrival's action as text, so expectations read as the action's name.
private func label(_ action: AsyncBarrier.StateMachine<String>.ArriveAction) -> String {
    switch action {
    case .suspend: "suspend"
    case .cancel: "cancel"
    case .broken: "broken"
    case .release(let round): (["release"] + round).joined(separator: " ")
    }
}
