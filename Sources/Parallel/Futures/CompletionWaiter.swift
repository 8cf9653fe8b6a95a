import DequeModule

/// Watches a group of futures and hands them out in the order they complete, to one consumer that
/// either blocks (``next(until:)``) or suspends (``next()``).
///
/// The machinery under ``Future/result(timeout:)``, ``asCompleted(_:timeout:)`` and
/// ``wait(for:timeout:returnWhen:)``: one callback per watched future appends it to a queue, so a
/// waiter never polls. Python's `as_completed` installs the same kind of waiter in each future.
final class CompletionWaiter<Value: Sendable>: @unchecked Sendable {
    // Safe: every stored `var` is only touched while holding `condition.lock`; continuations are
    // resumed after releasing it.
    private let condition = Condition()
    private let watched: [Future<Value>]
    private var completed: Deque<Future<Value>> = []
    /// Watched futures not yet delivered into `completed` or to a continuation.
    private var remaining: Int
    private var continuation: UnsafeContinuation<Future<Value>?, any Error>?
    private var expired = false
    private var cancelled = false

    /// What a wait produced.
    enum Next {
        case completed(Future<Value>)
        /// Every watched future has been handed out.
        case exhausted
        case timedOut
    }

    /// Starts watching `futures` (duplicates are watched once); those already done are queued at once,
    /// in the order given.
    init(watching futures: some Sequence<Future<Value>>) {
        var seen = Set<Future<Value>>()
        watched = futures.filter { seen.insert($0).inserted }
        remaining = watched.count
        for future in watched {
            future.onComplete(owner: self) { [unowned future, self] _ in self.deliver(future) }
        }
    }

    /// The watched futures, without duplicates, in the order given.
    var futures: [Future<Value>] { watched }

    private func deliver(_ future: Future<Value>) {
        let waiting: UnsafeContinuation<Future<Value>?, any Error>? = condition.withLock {
            remaining -= 1
            if let continuation {
                self.continuation = nil
                return continuation
            }
            completed.append(future)
            condition.notify()
            return nil
        }
        waiting?.resume(returning: future)
    }

    /// Blocks until a watched future completes (or one is already queued), or until `deadline`.
    func next(until deadline: Deadline) -> Next {
        condition.withLock {
            while true {
                if let future = completed.popFirst() { return .completed(future) }
                if remaining == 0 { return .exhausted }
                if !condition.wait(until: deadline) {
                    if let future = completed.popFirst() { return .completed(future) }
                    return remaining == 0 ? .exhausted : .timedOut
                }
            }
        }
    }

    /// Suspends until a watched future completes; `nil` once all were handed out.
    ///
    /// - Throws: ``FutureError/timedOut(after:)`` (with `timeout`) once ``expire()`` was called and
    ///   nothing is queued; `CancellationError` if the awaiting task is cancelled.
    func next(timeout: Duration) async throws -> Future<Value>? {
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Future<Value>?, any Error>) in
                let immediate: Result<Future<Value>?, any Error>? = condition.withLock {
                    if let future = completed.popFirst() { return .success(future) }
                    if remaining == 0 { return .success(nil) }
                    if cancelled { return .failure(CancellationError()) }
                    if expired { return .failure(FutureError.timedOut(after: timeout)) }
                    self.continuation = continuation
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            finishWaiting(cancelled: true, timeout: timeout)
        }
    }

    /// Marks the deadline as passed: a suspended ``next(timeout:)`` throws, as do later ones when
    /// nothing is queued.
    func expire(timeout: Duration) {
        finishWaiting(cancelled: false, timeout: timeout)
    }

    private func finishWaiting(cancelled: Bool, timeout: Duration) {
        let waiting: UnsafeContinuation<Future<Value>?, any Error>? = condition.withLock {
            if cancelled { self.cancelled = true } else { expired = true }
            defer { continuation = nil }
            return continuation
        }
        waiting?.resume(throwing: cancelled ? CancellationError() : FutureError.timedOut(after: timeout))
    }

    /// Removes this waiter's callbacks from futures that are still running, so a waiter that gave up
    /// leaves nothing behind.
    func stopWatching() {
        for future in watched { future.removeCallbacks(of: self) }
    }
}
