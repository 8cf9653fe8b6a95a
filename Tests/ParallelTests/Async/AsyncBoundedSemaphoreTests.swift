import Testing
import Parallel

@Suite("AsyncBoundedSemaphore", .timeLimit(.minutes(1)))
struct AsyncBoundedSemaphoreTests {
    @Test("releasing past the initial value throws releasedTooManyTimes and leaves the count as it was")
    func releasePastBoundThrows() async throws {
        let semaphore = try AsyncBoundedSemaphore(value: 2)
        #expect(throws: SemaphoreError.releasedTooManyTimes(bound: 2)) { try semaphore.release() }
        #expect(semaphore.availablePermits == 2)
        try await semaphore.acquire()
        try semaphore.release()
        #expect(throws: SemaphoreError.releasedTooManyTimes(bound: 2)) { try semaphore.release() }
        #expect(semaphore.availablePermits == 2)
    }

    @Test("a release while a task waits hands it the permit; only the permits taken can come back")
    func releaseToWaiter() async throws {
        let semaphore = try AsyncBoundedSemaphore(value: 1)
        try await semaphore.acquire()
        let waiter = Task { try await semaphore.acquire() }
        // One permit is out, so this release is legal whether or not the waiter is in line yet.
        try semaphore.release()
        try await waiter.value
        #expect(semaphore.availablePermits == 0)
        try semaphore.release()
        #expect(throws: SemaphoreError.releasedTooManyTimes(bound: 1)) { try semaphore.release() }
    }

    @Test("withPermit holds a permit for the body and gives it back")
    func withPermit() async throws {
        let semaphore = try AsyncBoundedSemaphore(value: 1)
        let inside = try await semaphore.withPermit { semaphore.availablePermits }
        #expect(inside == 0)
        #expect(semaphore.availablePermits == 1)
        #expect(semaphore.bound == 1)
    }

    @Test("a negative initial value is rejected with a typed error")
    func negativeValue() {
        #expect(throws: InvalidArgumentError(argument: "value", value: "-1", expected: "at least 0")) {
            try AsyncBoundedSemaphore(value: -1)
        }
    }
}
