/// Times out a ``CompletionWaiter`` on a `Clock`, for the async waits: at `deadline` it calls
/// ``CompletionWaiter/expire(timeout:)``. Dropping the expiry cancels the timer and removes the
/// waiter's callbacks, so an abandoned async wait leaves nothing behind.
final class WaiterExpiry<Value: Sendable>: Sendable {
    private let waiter: CompletionWaiter<Value>
    private let timer: Task<Void, Never>?

    init<C: Clock>(waiter: CompletionWaiter<Value>, timeout: Duration?, clock: C) where C.Duration == Duration {
        self.waiter = waiter
        guard let timeout else {
            timer = nil
            return
        }
        let deadline = clock.now.advanced(by: timeout)
        timer = Task {
            do {
                try await clock.sleep(until: deadline, tolerance: nil)
                waiter.expire(timeout: timeout)
            } catch {
                // Cancelled: the wait ended first.
            }
        }
    }

    deinit {
        timer?.cancel()
        waiter.stopWatching()
    }
}
