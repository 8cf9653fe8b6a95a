import Foundation
import Parallel

extension Demo {
    /// The seed's `threading` example: three named threads each sleep 2 s; the main thread joins all.
    /// They sleep at the same time, so the whole run takes about 2 s, not 6.
    static let threads = Demo(name: "threads", summary: "threading.Thread: three threads sleep 2 s in parallel") {
        let clock = ContinuousClock()
        let start = clock.now
        let handles = try (0..<3).map { index in
            try spawnThread(name: "Thread-\(index)") {
                let name = "Thread-\(index)"
                print("Started \(name)")
                Thread.sleep(forTimeInterval: 2)   // blocking work: fine on a thread of its own
                print("Finished \(name)")
            }
        }
        for handle in handles { try await handle.value }
        let elapsed = Measure.seconds(clock.now - start)
        print("All threads joined in \(String(format: "%.2f", elapsed)) s (three 2 s sleeps, run in parallel)")
    }
}
