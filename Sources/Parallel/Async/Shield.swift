/// Runs `operation` to completion even if the caller is cancelled (Python's `asyncio.shield`).
///
/// The operation runs in its own task, which the caller's cancellation does not reach: it sees
/// `Task.isCancelled == false` and its awaits are not interrupted. The caller still waits for it and
/// gets its value or error — unlike Python, where the caller stops waiting and the work goes on
/// unobserved. So `shield` delays the caller's reaction to cancellation by as long as the operation
/// takes; the caller can check `Task.isCancelled` afterwards. Priority and task-locals are inherited.
/// Since the operation never outlives the call, it runs in the caller's isolation (`isolation`, the
/// caller's actor by default) and may use the caller's state, as the body of `withTaskGroup` does.
///
/// ```swift
/// // The payment is recorded even if the request handler is cancelled half-way.
/// try await shield { try await ledger.record(payment) }
/// try Task.checkCancellation()
/// ```
public func shield<T: Sendable>(
    isolation: isolated (any Actor)? = #isolation,
    _ operation: () async throws -> T
) async throws -> T {
    try await withoutActuallyEscaping(operation) { operation in
        let operation = CallerIsolatedOperation(operation)
        // `Task.value` waits for the task however the waiter is cancelled, and does not cancel it.
        return try await Task { try await operation.run(isolation: isolation) }.value
    }
}
