/// Runs every operation at once and returns their values as a tuple, in argument order
/// (Python's `asyncio.gather(*aws)`).
///
/// The operations run as child tasks of the caller, so they share its priority and task-locals and
/// cannot outlive the call. The first operation to throw cancels all the others, and that error is
/// thrown once they have all stopped. Cancelling the caller cancels every operation. Use
/// `gatherResults` to get every outcome instead (`return_exceptions=True`).
/// The call runs in the caller's isolation (`isolation`); each operation is `sending`, since it
/// runs concurrently with the others.
///
/// ```swift
/// let (user, posts) = try await gather(
///     { try await loadUser(id) },
///     { try await loadPosts(id) }
/// )
/// ```
public func gather<each T: Sendable>(
    _ operations: repeat sending @escaping () async throws -> each T,
    isolation: isolated (any Actor)? = #isolation
) async throws -> (repeat each T) {
    let slots = (repeat ResultSlot<each T>())
    // A discarding group throws the first child error once every child has stopped, cancelling the
    // others as soon as that error arrives; the parent is not woken for each child.
    try await withThrowingDiscardingTaskGroup { group in
        for (operation, slot) in repeat (each operations, each slots) {
            let operation = SentOperation(operation)
            group.addTask { slot.store(.success(try await operation.run())) }
        }
    }
    return (repeat try (each slots).take())
}

/// Runs every operation at once and returns each one's outcome as a `Result`, in argument order
/// (Python's `asyncio.gather(*aws, return_exceptions=True)`).
///
/// A failing operation does not cancel the others. Cancelling the caller cancels every operation;
/// their outcomes (usually `CancellationError`) are still returned.
///
/// ```swift
/// let (a, b) = await gatherResults({ 1 }, { throw MyError() })
/// // a == .success(1), b == .failure(MyError())
/// ```
public func gatherResults<each T: Sendable>(
    _ operations: repeat sending @escaping () async throws -> each T,
    isolation: isolated (any Actor)? = #isolation
) async -> (repeat Result<each T, any Error>) {
    let slots = (repeat ResultSlot<each T>())
    await withDiscardingTaskGroup { group in
        for (operation, slot) in repeat (each operations, each slots) {
            let operation = SentOperation(operation)
            group.addTask {
                do { slot.store(.success(try await operation.run())) } catch { slot.store(.failure(error)) }
            }
        }
    }
    return (repeat (each slots).result())
}

/// Runs every operation of a collection at once and returns their values in the collection's order
/// (Python's `asyncio.gather(*aws)` with a list).
///
/// The first operation to throw cancels all the others, and that error is thrown once they have all
/// stopped. Cancelling the caller cancels every operation. To bound how many run at once, use
/// `concurrentMap(maxConcurrency:isolation:_:)`.
/// The call runs in the caller's isolation (`isolation`); the operations run concurrently, so they
/// are `@Sendable`.
///
/// ```swift
/// let pages = try await gather(urls.map { url in { try await fetch(url) } })
/// ```
@inlinable
public func gather<T: Sendable>(
    _ operations: some Collection<@Sendable () async throws -> T>,
    isolation: isolated (any Actor)? = #isolation
) async throws -> [T] {
    let results = OrderedResults<T>(count: operations.count)
    try await withThrowingDiscardingTaskGroup { group in
        for (index, operation) in operations.enumerated() {
            group.addTask { results.store(try await operation(), at: index) }
        }
    }
    return results.values
}

/// Runs every operation of a collection at once and returns each one's outcome, in the collection's
/// order (Python's `asyncio.gather(*aws, return_exceptions=True)` with a list).
///
/// A failing operation does not cancel the others.
///
/// ```swift
/// let outcomes = await gatherResults(urls.map { url in { try await fetch(url) } })
/// let failures = outcomes.filter { if case .failure = $0 { true } else { false } }
/// ```
@inlinable
public func gatherResults<T: Sendable>(
    _ operations: some Collection<@Sendable () async throws -> T>,
    isolation: isolated (any Actor)? = #isolation
) async -> [Result<T, any Error>] {
    let results = OrderedResults<Result<T, any Error>>(count: operations.count)
    await withDiscardingTaskGroup { group in
        for (index, operation) in operations.enumerated() {
            group.addTask {
                do { results.store(.success(try await operation()), at: index) } catch {
                    results.store(.failure(error), at: index)
                }
            }
        }
    }
    return results.values
}

/// Results stored by child tasks at their index, read by the parent once the group has ended.
@usableFromInline
final class OrderedResults<T: Sendable>: Sendable {
    @usableFromInline let slots: LockedValue<[Filled<T>?]>

    @inlinable
    init(count: Int) { slots = LockedValue([Filled<T>?](repeating: nil, count: count)) }

    /// Stores `value` at `index`, growing the slots if `count` was an underestimate.
    @inlinable
    func store(_ value: T, at index: Int) {
        slots.withLock { slots in
            if index >= slots.count { slots += repeatElement(nil, count: index - slots.count + 1) }
            slots[index] = Filled(value: value)
        }
    }

    /// The stored values in index order; complete once every child has stored its value.
    @inlinable
    var values: [T] { slots.withLock { $0.compactMap { $0?.value } } }
}

/// A filled slot, so that an operation returning `nil` (T == Optional) is not mistaken for a gap.
@usableFromInline
struct Filled<T: Sendable>: Sendable {
    @usableFromInline let value: T

    @inlinable
    init(value: T) { self.value = value }
}

/// Holds one child's outcome until the parent, after the task group has ended, takes it.
final class ResultSlot<T: Sendable>: Sendable {
    private let value = LockedValue<Result<T, any Error>?>(nil)

    func store(_ result: Result<T, any Error>) { value.withLock { $0 = result } }

    /// The stored outcome; a missing one means the child was never run, which only cancellation causes.
    func result() -> Result<T, any Error> {
        value.withLock { $0 } ?? .failure(CancellationError())
    }

    func take() throws -> T { try result().get() }
}

/// An operation the caller passed as `sending`, carried into the one child task that runs it.
///
/// Needed because the compiler's region analysis does not yet follow values through parameter-pack
/// iteration (and closure literals in a pack lose their inferred `@Sendable`).
struct SentOperation<T>: @unchecked Sendable {
    // Safe: the closure was passed `sending`, so the caller keeps no access to it or its captures,
    // and `gather` hands each one to exactly one child task, which is its only user from then on.
    private let operation: () async throws -> T

    init(_ operation: @escaping () async throws -> T) { self.operation = operation }

    func run() async throws -> T { try await operation() }
}
