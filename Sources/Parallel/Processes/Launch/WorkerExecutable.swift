/// Which program a pool starts as its workers.
///
/// By default a worker is a new process of the current executable, which serves worker mode from its
/// entry point (``ProcessWorker/serveIfRequested(_:)``). A separate, smaller worker program can be named
/// instead; it must serve worker mode with a registry holding the same task names.
///
/// ```swift
/// let pool = ProcessPool(workers: 4, executable: .path("/usr/local/bin/my-worker"))
/// ```
public struct WorkerExecutable: Sendable, Hashable, CustomStringConvertible {
    /// The path given to `posix_spawn`.
    public let path: String
    /// Arguments after `argv[0]`.
    public let arguments: [String]

    /// This program (`/proc/self/exe` on Linux).
    ///
    /// ```swift
    /// let pool = ProcessPool(executable: .current)
    /// ```
    public static var current: WorkerExecutable {
        #if os(Linux)
        WorkerExecutable(path: "/proc/self/exe", arguments: [])
        #else
        WorkerExecutable(path: CommandLine.arguments.first ?? "", arguments: [])
        #endif
    }

    /// The program at `path`, started with `arguments`.
    ///
    /// ```swift
    /// let worker = WorkerExecutable.path("/opt/app/worker", arguments: ["--quiet"])
    /// ```
    public static func path(_ path: String, arguments: [String] = []) -> WorkerExecutable {
        WorkerExecutable(path: path, arguments: arguments)
    }

    /// The command line, for messages.
    ///
    /// ```swift
    /// print(WorkerExecutable.path("/bin/worker", arguments: ["-q"]))   // /bin/worker -q
    /// ```
    public var description: String { ([path] + arguments).joined(separator: " ") }
}
