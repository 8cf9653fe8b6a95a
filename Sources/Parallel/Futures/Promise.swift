/// The producer's side of a ``Future``: whoever runs the work completes its future through a promise.
///
/// ``ThreadPoolExecutor`` uses it for every submitted task; use it to hand out futures for work you
/// run yourself. The first completion wins; later ones are ignored. A cancelled future cannot start.
///
/// ```swift
/// let promise = Promise<Int>()
/// let future = promise.future
/// if promise.markRunning() { promise.succeed(42) }
/// print(try future.result())   // 42
/// ```
public struct Promise<Value: Sendable>: Sendable, Hashable {
    /// The future this promise completes: hand it to whoever waits for the result.
    ///
    /// ```swift
    /// let future = promise.future
    /// ```
    public let future: Future<Value>

    /// Creates a promise with a new, pending future.
    ///
    /// ```swift
    /// let promise = Promise<String>()
    /// ```
    @inlinable public init() {
        future = Future()
    }

    /// Moves the future from pending to running (Python's `set_running_or_notify_cancel`).
    ///
    /// - Returns: `false` if the future was cancelled (or already started): then do not run the work.
    ///
    /// ```swift
    /// guard promise.markRunning() else { return }   // cancelled: skip the work
    /// ```
    @inlinable public func markRunning() -> Bool { future.start() }

    /// Completes the future with `outcome` (pending or running → finished or failed).
    ///
    /// - Returns: `false` if the future was already done (cancelled or completed): nothing changed.
    ///
    /// ```swift
    /// promise.complete(with: Result { try work() })
    /// ```
    @inlinable @discardableResult
    public func complete(with outcome: Result<Value, any Error>) -> Bool { future.complete(outcome) }

    /// Completes the future with `value` (Python's `set_result`).
    ///
    /// ```swift
    /// promise.succeed(42)
    /// ```
    @inlinable @discardableResult
    public func succeed(_ value: Value) -> Bool { future.complete(.success(value)) }

    /// Fails the future with `error` (Python's `set_exception`).
    ///
    /// ```swift
    /// promise.fail(MyError.badInput)
    /// ```
    @inlinable @discardableResult
    public func fail(_ error: any Error) -> Bool { future.complete(.failure(error)) }
}
