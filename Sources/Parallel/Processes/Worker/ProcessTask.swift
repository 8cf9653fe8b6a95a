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
}

extension ProcessTask {
    /// The type's name, e.g. `"Square"`. (`_typeName` rather than `String(describing:)`, which would
    /// scan every protocol conformance in a freshly started worker.)
    public static var name: String { _typeName(Self.self, qualified: false) }
}
