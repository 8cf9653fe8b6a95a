/// A caller's operation, neither `Sendable` nor escaping, carried into the one task that runs it on
/// the caller's behalf (the body's child task in ``withTimeout(_:isolation:_:)``, the task of
/// ``shield(isolation:_:)``) and run there in the caller's isolation, as a direct call would run it.
///
/// The wrapping function passes the operation through `withoutActuallyEscaping`: ``run(isolation:)``
/// lets go of it, so no reference is left when that scope ends.
final class CallerIsolatedOperation<T>: @unchecked Sendable {
    // Safe: the operation is used as the caller would use it in a direct call. The function that
    // wraps it runs it once, in the caller's isolation (`run(isolation:)`), and returns only after
    // the task running it has ended, with the caller suspended in that call all the while. So the
    // caller and the task never use the operation or its captures at the same time, and other code
    // of the caller's actor interleaves with it only at its suspension points, as with a direct call.
    // `operation` is written here and cleared by `run`, the only access after the task starts.
    private var operation: (() async throws -> T)?

    init(_ operation: @escaping () async throws -> T) { self.operation = operation }

    /// Runs the operation, once, in `isolation`, and releases it.
    func run(isolation: isolated (any Actor)?) async throws -> T {
        guard let operation = operation.take() else {
            preconditionFailure("a CallerIsolatedOperation runs once; its wrapper starts one task")
        }
        return try await operation()
    }
}
