import Parallel
import Testing

/// Runs `body` and returns its value with the wall time it took (for "really timed out" checks).
func timed<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> (value: T, elapsed: Duration) {
    let clock = ContinuousClock()
    let start = clock.now
    let value = try body()
    return (value, clock.now - start)
}

/// The namespace of every `Threads/` suite, so `swift test --filter Threads` selects them all.
@Suite("Threads", .timeLimit(.minutes(1)))
enum ThreadsTests {}
