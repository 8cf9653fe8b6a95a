@testable import Parallel
import Testing

/// One submit numbers a request in the locked step that queues it; a promise cancelled first is never sent.
@Suite("Request submission", .timeLimit(.minutes(1)))
struct RequestSubmissionTests {
    @Test("a request's id is written into its encoded frame in place, where the frame decodes it")
    func patchedID() throws {
        var frame = Frame.run(id: 0, task: "Square", count: 2, payload: [1, 2, 3]).encoded()
        Frame.patchRunID(0x0102_0304_0506_0708, in: &frame)
        #expect(frame == Frame.run(id: 0x0102_0304_0506_0708, task: "Square", count: 2, payload: [1, 2, 3]).encoded())
    }

    @Test("a box cancelled before it is submitted cannot be submitted; a submitted one cannot be cancelled that way")
    func boxProgress() {
        let early = RequestBox(count: 1)
        #expect(early.cancelBeforeSubmission())
        #expect(!early.markSubmitted(1))
        #expect(early.id == nil)
        let submitted = RequestBox(count: 1)
        #expect(submitted.markSubmitted(2))
        #expect(submitted.id == 2)
        #expect(!submitted.cancelBeforeSubmission())
        submitted.complete(.success(.outputs([])))
        #expect(submitted.id == nil, "a done request has no id in the pool any more")
    }

    @Test("cancelling a request before its submit completes it with CancellationError, and the submit sends nothing")
    func cancelBeforeSubmit() async throws {
        let pool = try ProcessPool(workers: 1, executable: TestWorker.executable, start: .lazy)
        let box = RequestBox(count: 1)
        pool.core.cancel(box)
        pool.core.submit(box, task: "Square", frame: OutgoingFrame(bytes: Frame.run(id: 0, task: "Square", count: 1, payload: try WireCodec.encode([3])).encoded()), timeout: nil)
        let outcome = await box.wait()
        #expect(throws: CancellationError.self) { try outcome.get() }
        #expect(pool.core.state.withLock { $0.pending.isEmpty && $0.supervisor.workerIDs.isEmpty },
                "nothing queued, no worker started for it")
        await pool.shutdown()
    }
}
