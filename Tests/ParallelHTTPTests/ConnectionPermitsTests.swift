import Testing
@testable import ParallelHTTP

@Suite("ConnectionPermits: the session's total connection limit", .timeLimit(.minutes(1)))
struct ConnectionPermitsTests {
    @Test("permits are granted while free, then waiters queue and are served in arrival order")
    func fifo() {
        var queue = PermitQueue<String>(permits: 1)
        let (a, b, c) = (queue.makeID(), queue.makeID(), queue.makeID())
        #expect(queue.acquire(id: a, "a") == .granted)
        #expect(queue.acquire(id: b, "b") == .queued)
        #expect(queue.acquire(id: c, "c") == .queued)
        #expect(queue.release() == "b")
        #expect(queue.release() == "c")
        #expect(queue.release() == nil)
        #expect(queue.available == 1)
    }

    @Test("a cancelled waiter leaves the queue, and one cancelled before arriving fails on arrival")
    func cancellation() {
        var queue = PermitQueue<String>(permits: 1)
        let (a, b, c, d) = (queue.makeID(), queue.makeID(), queue.makeID(), queue.makeID())
        #expect(queue.acquire(id: a, "a") == .granted)
        #expect(queue.acquire(id: b, "b") == .queued)
        #expect(queue.cancel(id: b) == "b")
        #expect(queue.cancel(id: c) == nil)
        #expect(queue.acquire(id: c, "c") == .cancelled)
        #expect(queue.cancel(id: a) == nil, "a holder is not affected by a late cancel")
        #expect(queue.acquire(id: d, "d") == .queued)
        #expect(queue.release() == "d")
        #expect(queue.waiting == 0)
    }

    @Test("a task cancelled while waiting for a permit throws cancelled, and no permit is lost")
    func cancelledTask() async throws {
        let permits = ConnectionPermits(1)
        try await permits.acquire()
        let waiter = Task { try await permits.acquire() }
        waiter.cancel()
        await #expect(throws: HTTPError.cancelled) { try await waiter.value }
        permits.release()
        try await permits.acquire()
        permits.release()
    }
}
