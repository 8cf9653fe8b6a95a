/// Thrown by ``withTimeout(_:tolerance:clock:isolation:_:)`` and
/// ``withDeadline(_:tolerance:clock:isolation:_:)`` when the body did not finish in time
/// (Python's `TimeoutError` from `asyncio.timeout` / `asyncio.wait_for`).
///
/// ```swift
/// do {
///     try await withTimeout(.seconds(1)) { try await slowWork() }
/// } catch let error as TimeoutError {
///     print(error)   // "the operation did not finish within 1.0 seconds; …"
/// }
/// ```
public struct TimeoutError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The time limit that passed, as the caller gave it (a duration or a deadline on its clock).
    public let limit: String

    /// Creates a timeout error describing `limit`.
    ///
    /// ```swift
    /// throw TimeoutError(limit: "5 seconds")
    /// ```
    public init(limit: String) { self.limit = limit }

    public var description: String {
        "the operation did not finish within \(limit); it was cancelled. Give it more time, or make it faster"
    }
}
