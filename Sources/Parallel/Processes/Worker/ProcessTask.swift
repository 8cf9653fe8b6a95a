/// A unit of work that can run in another process: typed `Codable` input and output, a stable name.
///
/// Closures cannot cross a process boundary, so work for a ``ProcessPool`` or a ``ParallelProcess`` is a
/// type (Python pickles a function by reference; here the worker runs only names it was registered
/// with, so nothing else can make it execute code). Register the type in the ``TaskRegistry`` that both
/// the parent and its workers use.
///
/// The worker runs one task at a time, so `run` may use the whole process. A thrown error comes back to
/// the caller as ``ProcessPoolError/taskFailed(task:type:message:)`` with its type name and description.
///
/// ```swift
/// struct Square: ProcessTask {
///     static func run(_ n: Int) async throws -> Int { n * n }
/// }
/// let nine = try await pool.run(Square.self, 3)
/// ```
public protocol ProcessTask: SendableMetatype {
    /// What the task receives; encoded in the parent, decoded in the worker.
    associatedtype Input: Codable & Sendable
    /// What the task returns; encoded in the worker, decoded in the parent.
    associatedtype Output: Codable & Sendable

    /// The name the parent and the worker agree on. Defaults to the type's name; override it when the
    /// worker is a different executable whose type is spelled differently.
    static var name: String { get }

    /// Does the work in the worker process.
    static func run(_ input: Input) async throws -> Output

    /// Whether running the task twice on the same input is harmless (it has no effect beyond its
    /// output, or one that a second run repeats exactly). Defaults to `false`.
    ///
    /// It matters only for workers on other hosts (``WorkerHost``): when the link to a host is lost
    /// while a task runs there, the pool cannot know whether it ran. A task that is not idempotent
    /// fails with ``ProcessPoolError/hostLost(task:host:reason:)``, so nothing runs twice without
    /// the caller knowing; an idempotent one is run once more, on another worker, and fails with
    /// `hostLost` only if that link is lost too. (A crash, a timeout or an error of the task is never
    /// retried: those would most likely happen again.)
    ///
    /// ```swift
    /// struct Checksum: ProcessTask {
    ///     static let isIdempotent = true
    ///     static func run(_ bytes: [UInt8]) async throws -> UInt64 {
    ///         bytes.reduce(0) { $0 &* 31 &+ UInt64($1) }
    ///     }
    /// }
    /// ```
    static var isIdempotent: Bool { get }
}

extension ProcessTask {
    /// The type's name, e.g. `"Square"`. (`_typeName` rather than `String(describing:)`, which would
    /// scan every protocol conformance in a freshly started worker.)
    public static var name: String { _typeName(Self.self, qualified: false) }

    /// Not idempotent: a task lost with its host's link fails rather than running again.
    public static var isIdempotent: Bool { false }
}
