import Foundation
import Parallel

extension Demo {
    /// The seed's `concurrent.futures` example: a pool of three threads runs one blocking worker.
    static let futures = Demo(
        name: "futures",
        summary: "ThreadPoolExecutor: submit a blocking worker, wait for its result"
    ) {
        @Sendable func worker(_ name: String) -> String {
            Thread.sleep(forTimeInterval: 1)  // blocking work: fine on the pool's own thread
            return "Executed in thread \(name)"
        }
        let executor = try ThreadPoolExecutor(maxWorkers: 3)
        let future = try executor.submit { worker("Thread-1") }
        print(try await future.value)
        await executor.shutdown()
    }
}
