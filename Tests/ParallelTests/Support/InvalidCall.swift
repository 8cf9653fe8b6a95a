import Parallel

/// A call with an out-of-range argument and the message it must be refused with (for the
/// parameterized argument tests: one row per API and argument).
struct InvalidCall: Sendable, CustomStringConvertible {
    /// The call as a reader would write it, e.g. `Queue(maxSize: -1)`.
    let description: String
    /// The whole expected message of the ``InvalidArgumentError``.
    let message: String
    let run: @Sendable () throws -> Void

    init(_ description: String, _ message: String, _ run: @escaping @Sendable () throws -> Void) {
        self.description = description
        self.message = message
        self.run = run
    }
}

/// The async twin of ``InvalidCall``, for APIs that are called with `await`.
struct InvalidAsyncCall: Sendable, CustomStringConvertible {
    let description: String
    let message: String
    let run: @Sendable () async throws -> Void

    init(_ description: String, _ message: String, _ run: @escaping @Sendable () async throws -> Void) {
        self.description = description
        self.message = message
        self.run = run
    }
}
