import Foundation
import Parallel
import Testing

/// The parent suite of every futures test, so `swift test --filter Futures` selects them all.
@Suite("Futures", .timeLimit(.minutes(1))) enum FuturesSuite {}

/// A one-shot gate for the futures tests: work blocks in `wait()` until the test calls `open()`.
/// Every wait is capped (30 s by default) so a broken test fails instead of hanging; the cap is a
/// safety net only, generous so that a heavily loaded machine cannot trip it.
final class FuturesGate: @unchecked Sendable {
    // Safe: `isOpen` is only read or written while holding `condition.lock`.
    private let condition = Condition()
    private var isOpen = false

    func open() {
        condition.withLock {
            isOpen = true
            condition.notifyAll()
        }
    }

    /// `true` once open, `false` if `timeout` passed first.
    @discardableResult
    func wait(timeout: Duration = .seconds(30)) -> Bool {
        condition.withLock { (try? condition.wait(for: { isOpen }, timeout: timeout)) ?? false }
    }
}

/// Counts arrivals; `wait` returns once `count` have arrived (capped at 10 s).
final class FuturesCountdown: @unchecked Sendable {
    // Safe: `remaining` is only read or written while holding `condition.lock`.
    private let condition = Condition()
    private var remaining: Int

    init(_ count: Int) { remaining = count }

    func arrive() {
        condition.withLock {
            remaining -= 1
            if remaining <= 0 { condition.notifyAll() }
        }
    }

    @discardableResult
    func wait(timeout: Duration = .seconds(10)) -> Bool {
        condition.withLock { (try? condition.wait(for: { remaining <= 0 }, timeout: timeout)) ?? false }
    }
}
