import Parallel
import Testing

extension FuturesSuite {
    @Suite("Futures: invalid arguments", .timeLimit(.minutes(1)))
    struct FutureArgumentTests {
        static let calls: [InvalidCall] = [
            InvalidCall("ThreadPoolExecutor(maxWorkers: 0)", "maxWorkers must be at least 1 (got 0)") {
                _ = try ThreadPoolExecutor(maxWorkers: 0)
            },
            InvalidCall("ThreadPoolExecutor(maxWorkers: -1)", "maxWorkers must be at least 1 (got -1)") {
                _ = try ThreadPoolExecutor(maxWorkers: -1)
            },
            InvalidCall("executor.map(timeout: -1 s)", "timeout must be zero or more (got -1.0 seconds)") {
                let executor = try ThreadPoolExecutor(maxWorkers: 1)
                defer { executor.shutdown() }
                _ = try executor.map([1], timeout: .seconds(-1)) { $0 }
            },
            InvalidCall("future.result(timeout: -1 s)", "timeout must be zero or more (got -1.0 seconds)") {
                _ = try Promise<Int>().future.result(timeout: .seconds(-1))
            },
            InvalidCall("wait(for:timeout: -1 s)", "timeout must be zero or more (got -1.0 seconds)") {
                _ = try wait(for: [Promise<Int>().future], timeout: .seconds(-1))
            },
            InvalidCall("asCompleted(timeout: -1 s)", "timeout must be zero or more (got -1.0 seconds)") {
                _ = try asCompleted([Promise<Int>().future], timeout: .seconds(-1))
            },
        ]

        @Test("an invalid count or a negative timeout is refused at the call, naming the argument, the value and the range",
              arguments: calls)
        func refused(_ call: InvalidCall) {
            let error = #expect(throws: InvalidArgumentError.self) { try call.run() }
            #expect(error?.description == call.message)
        }

        @Test("map refuses a negative timeout before submitting anything")
        func mapSubmitsNothing() throws {
            let executor = try ThreadPoolExecutor(maxWorkers: 1)
            let ran = LockedValue(0)
            #expect(throws: InvalidArgumentError.self) {
                _ = try executor.map([1, 2, 3], timeout: .seconds(-1)) { _ in ran.withLock { $0 += 1 } }
            }
            executor.shutdown(wait: true)
            #expect(ran.withLock { $0 } == 0)
        }
    }
}
