#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import InMemoryTracing
import MetricsTestKit
import Parallel
import ParallelTestTasks
import Testing
import Tracing

/// The pool's metrics on swift-metrics' test backend, and its traces on the in-memory tracer, with a
/// worker that traces to an in-memory tracer of its own: a span opened in the worker must be a child
/// of the pool call's span, itself a child of the caller's.
@Suite("ProcessPool metrics and traces", .timeLimit(.minutes(1)))
struct PoolObservabilityTests {
    /// The test worker, its spans going to an in-memory tracer in that process.
    let tracedWorker = WorkerExecutable.path(TestWorker.path, arguments: ["--in-memory-tracer"])

    @Test("requests are counted by outcome, replacements counted, both timers recorded once per request, and the gauges end idle")
    func metrics() async throws {
        let metrics = TestMetrics()
        try await withProcessPool(workers: 2, executable: TestWorker.executable, metrics: metrics) { pool in
            // One worker busy (the hang) while the other's reply comes in: the gauges say so then.
            let hang = try pool.submit(Hang.self, 3_600)
            #expect(try await pool.run(Square.self, 4) == 16)
            hang.cancel()
            _ = try? await hang.value
            #expect(try await pool.run(Square.self, 3) == 9)
            _ = try? await pool.run(FailOnNegative.self, -1)
            _ = try? await pool.run(CrashOnNegative.self, -1)
            _ = try? await pool.run(Hang.self, 3_600, timeout: .milliseconds(50))
            let results = try await pool.mapResults(Square.self, [1, 2, 3, 4], chunkSize: 2)
            #expect(results.count == 4)
        }
        func count(_ outcome: String) throws -> Int64 {
            try metrics.expectCounter("parallel_pool_requests", [("outcome", outcome)]).totalValue
        }
        #expect(try count("success") == 4)   // two runs, two chunks
        #expect(try count("error") == 1)
        #expect(try count("crash") == 1)
        #expect(try count("timeout") == 1)
        #expect(try count("cancel") == 1)
        #expect(try metrics.expectCounter("parallel_pool_worker_replacements").totalValue == 3)
        #expect(try metrics.expectTimer("parallel_pool_queued_duration").values.count == 8)
        #expect(try metrics.expectTimer("parallel_pool_running_duration").values.count == 8)
        #expect(try metrics.expectTimer("parallel_pool_running_duration").values.allSatisfy { $0 >= 0 })
        #expect(try metrics.expectGauge("parallel_pool_queue_depth").lastValue == 0)
        // Metrics are recorded just after the outcomes they count are delivered, all before the
        // pool's shutdown returns: the gauge's history has the busy worker, and its end is idle.
        #expect(try metrics.expectGauge("parallel_pool_workers", [("state", "busy")]).values.contains(1))
        #expect(try metrics.expectGauge("parallel_pool_workers", [("state", "busy")]).lastValue == 0)
    }

    @Test("cancelled calls are counted as cancel; requests put back in the queue by a timeout show in its depth")
    func cancelAndQueue() async throws {
        let metrics = TestMetrics()
        try await withProcessPool(workers: 1, executable: TestWorker.executable, metrics: metrics) { pool in
            // The worker takes two requests at a time (one running, one behind it): the third waits.
            // When the first times out, its worker is killed, and the other two wait for the next.
            let first = try pool.submit(Hang.self, 3_600, timeout: .milliseconds(100))
            let behind = [try pool.submit(Square.self, 2), try pool.submit(Square.self, 3)]
            await #expect(throws: ProcessPoolError.self) { try await first.value }
            for handle in behind { _ = try await handle.value }
            let cancelled = [try pool.submit(Hang.self, 3_600), try pool.submit(Hang.self, 3_600)]
            for handle in cancelled { handle.cancel() }
            for handle in cancelled { _ = try? await handle.value }
        }
        #expect(try metrics.expectCounter("parallel_pool_requests", [("outcome", "cancel")]).totalValue == 2)
        #expect(try metrics.expectCounter("parallel_pool_requests", [("outcome", "timeout")]).totalValue == 1)
        #expect(try metrics.expectGauge("parallel_pool_queue_depth").values.contains { $0 >= 1 })
    }

    @Test("a span a task opens in the worker is a child of the run's span, which is a child of the caller's")
    func runSpan() async throws {
        let tracer = InMemoryTracer()
        let ids = try await withProcessPool(workers: 1, executable: tracedWorker, tracer: tracer) { pool in
            try await tracer.withSpan("caller") { _ in try await pool.run(SpanInWorker.self, 1) }
        }
        let spans = tracer.finishedSpans
        let caller = try #require(spans.first { $0.operationName == "caller" })
        let call = try #require(spans.first { $0.operationName == "ProcessPool.run SpanInWorker" })
        #expect(call.parentSpanID == caller.spanID)
        #expect(call.traceID == caller.traceID)
        #expect(call.kind == .client)
        #expect(ids == [caller.traceID, call.spanID, "1"], "the worker's span: trace id, parent span id")
    }

    @Test("every chunk of a map, and of an imap, runs in the call's one span; a failing call's span records the error")
    func mapSpans() async throws {
        let tracer = InMemoryTracer()
        try await withProcessPool(workers: 2, executable: tracedWorker, tracer: tracer) { pool in
            let mapped = try await pool.map(SpanInWorker.self, [1, 2, 3, 4], chunkSize: 1)
            var streamed: [[String]] = []
            for try await ids in try pool.imap(SpanInWorker.self, [5, 6, 7]) { streamed.append(ids) }
            _ = try? await pool.run(FailOnNegative.self, -1)
            let spans = tracer.finishedSpans
            let map = try #require(spans.first { $0.operationName == "ProcessPool.map SpanInWorker" })
            #expect(mapped.map { $0[1] } == Array(repeating: map.spanID, count: 4))
            #expect(mapped.allSatisfy { $0[0] == map.traceID })
            let imap = try #require(spans.first { $0.operationName == "ProcessPool.imap SpanInWorker" })
            #expect(streamed.map { $0[1] } == Array(repeating: imap.spanID, count: 3))
            #expect(spans.filter { $0.operationName.hasPrefix("ProcessPool.") }.count == 3)
            let failed = try #require(spans.first { $0.operationName == "ProcessPool.run FailOnNegative" })
            #expect(failed.status?.code == .error)
            #expect(failed.errors.count == 1)
        }
    }

    @Test("without a tracer the request frames carry no context and the worker's span has no parent")
    func noTracer() async throws {
        let ids = try await withProcessPool(workers: 1, executable: tracedWorker, tracer: NoOpTracer()) { pool in
            try await pool.run(SpanInWorker.self, 2)
        }
        #expect(ids[1] == "")
    }
}
