import Parallel

/// A thread-safe boolean for tests.
final class AsyncTestFlag: Sendable {
    private let flag = LockedValue(false)
    var value: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}

/// A thread-safe counter for tests.
final class AsyncTestCounter: Sendable {
    private let count = LockedValue(0)
    var value: Int { count.withLock { $0 } }
    @discardableResult func increment() -> Int { count.withLock { $0 += 1; return $0 } }
    func decrement() { count.withLock { $0 -= 1 } }
}
