import Logging

/// How a worker process ended: its exit status or the signal that killed it.
///
/// ```swift
/// if case .workerCrashed(_, .signaled(SIGKILL), _) = error { print("killed") }
/// ```
public enum WorkerExit: Sendable, Hashable, CustomStringConvertible {
    /// The process called `exit(status)`.
    case exited(status: Int32)
    /// The process was killed by `signal`.
    case signaled(signal: Int32)
    /// The worker ran on another host (``WorkerHost``) and its link to it ended: how the worker
    /// ended there is unknown.
    case lost(host: String, reason: String)

    /// A sentence for error messages, e.g. "was killed by signal 9 (SIGKILL)".
    ///
    /// ```swift
    /// print(WorkerExit.exited(status: 3))   // exited with status 3
    /// ```
    public var description: String {
        switch self {
        case .exited(let status): "exited with status \(status)"
        case .signaled(let signal): "was killed by signal \(signal)\(Self.signalName(signal).map { " (\($0))" } ?? "")"
        case .lost(let host, let reason): "was lost with host \(host): \(reason)"
        }
    }

    static func signalName(_ signal: Int32) -> String? {
        switch signal {
        case 1: "SIGHUP"
        case 2: "SIGINT"
        case 4: "SIGILL"
        case 5: "SIGTRAP"
        case 6: "SIGABRT"
        case 8: "SIGFPE"
        case 9: "SIGKILL"
        case 11: "SIGSEGV"
        case 15: "SIGTERM"
        default: nil
        }
    }
}

/// Everything that can go wrong with work sent to another process. None of these stops the pool: the
/// failing task gets the error, a broken worker is replaced, and the rest of the work goes on (Python's
/// `BrokenProcessPool` takes the whole pool down instead).
///
/// ```swift
/// do { _ = try await pool.run(Fib.self, 90, timeout: .seconds(1)) }
/// catch ProcessPoolError.timedOut(let task, let after) { print("\(task) took over \(after)") }
/// ```
public enum ProcessPoolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The task threw; `type` is the error's type name and `message` its description.
    case taskFailed(task: String, type: String, message: String)
    /// The worker running the task exited or was killed before answering. `report` is the end of what
    /// it wrote on standard error: its last lines (a `Fatal error:` message) and the Swift runtime's
    /// crash report (the backtrace), at most about 18 KiB; empty if it wrote nothing (a `SIGKILL`).
    /// A pool keeps crash reports off this process's standard error and hands them here instead.
    ///
    /// ```swift
    /// catch ProcessPoolError.workerCrashed(_, let exit, let report) { print(exit, report) }
    /// ```
    case workerCrashed(task: String, exit: WorkerExit, report: String = "")
    /// The worker running the task was on another host (``WorkerHost``) and the pool lost its link
    /// to that host (the connection ended or fell silent): whether the task ran there is unknown, so
    /// it is not retried, unless its type is ``ProcessTask/isIdempotent`` (then it ran once more on
    /// another worker, and this is the second loss). Requests queued behind it went back to the queue.
    ///
    /// ```swift
    /// catch ProcessPoolError.hostLost(let task, let host, _) { print("\(task) lost with \(host)") }
    /// ```
    case hostLost(task: String, host: String, reason: String)
    /// The task ran longer than its timeout; its worker was killed and replaced.
    case timedOut(task: String, after: Duration)
    /// The worker has no task registered under this name.
    case unknownTask(String)
    /// The input (in the parent) or the output (in the worker) could not be encoded.
    case encodingFailed(task: String, message: String)
    /// The input (in the worker) or the output (in the parent) could not be decoded.
    case decodingFailed(task: String, message: String)
    /// A message for this task was larger than the channel's size cap.
    case frameTooLarge(task: String, size: Int, limit: Int)
    /// The worker wrote something that is not a valid message (garbage, a truncated frame); it was
    /// killed and replaced.
    case channelCorrupted(task: String, detail: String)
    /// The worker's initializer threw, so the worker could not serve the task.
    case initializerFailed(task: String, type: String, message: String)
    /// A worker process could not be started.
    case spawnFailed(executable: String, reason: String)
    /// The pool was shut down before the task could run.
    case shutDown(task: String)
    /// This process was started as a worker but its entry point does not serve worker mode.
    case workerModeNotServed

    /// What happened and what to do, in one sentence.
    ///
    /// ```swift
    /// print(ProcessPoolError.unknownTask("Fib"))
    /// ```
    public var description: String {
        switch self {
        case .taskFailed(let task, let type, let message):
            "task \(task) threw \(type): \(message)"
        case .workerCrashed(let task, let exit, let report):
            "the worker running task \(task) \(exit) before answering; the pool replaced it"
                + (report.isEmpty ? "" : ". Its standard error ended with:\n\(report)")
        case .hostLost(let task, let host, let reason):
            "the worker running task \(task) was on host \(host), and the link to it was lost (\(reason)); the task may or may not have run there (a task type that declares isIdempotent is run once more instead)"
        case .timedOut(let task, let after):
            "task \(task) did not finish within \(after); its worker was killed and replaced"
        case .unknownTask(let name):
            "the worker has no task named \(name): add it to the TaskRegistry passed to ProcessWorker.serveIfRequested"
        case .encodingFailed(let task, let message):
            "could not encode a value of task \(task): \(message)"
        case .decodingFailed(let task, let message):
            "could not decode a value of task \(task): \(message)"
        case .frameTooLarge(let task, let size, let limit):
            "a message of task \(task) is \(size) bytes\(Self.mebibytes(size)), over the \(limit)-byte\(Self.mebibytes(limit)) limit (maxFrameSize, a safety cap): raise maxFrameSize when creating the pool, send smaller chunks (map's and imap's chunkSize:), or put a big array in a SharedArray, which travels as a descriptor, not as bytes"
        case .channelCorrupted(let task, let detail):
            "the worker running task \(task) broke the channel protocol (\(detail)); it was killed and replaced"
        case .initializerFailed(let task, let type, let message):
            "the worker for task \(task) could not start: its initializer threw \(type): \(message)"
        case .spawnFailed(let executable, let reason):
            "could not start worker process \(executable): \(reason)"
        case .shutDown(let task):
            "task \(task) was not run: the pool is shut down"
        case .workerModeNotServed:
            "this process was started as a Parallel worker, but its entry point does not call ProcessWorker.serveIfRequested(_:) first"
        }
    }

    /// " (12.5 MiB)" for a size of a MiB or more, "" below: big sizes read at a glance.
    private static func mebibytes(_ bytes: Int) -> String {
        guard bytes >= 1 << 20 else { return "" }
        let tenths = (bytes / 1024 * 10 + 512) / 1024
        return " (\(tenths / 10).\(tenths % 10) MiB)"
    }

    /// Why a worker could not be started: a ``spawnFailed(executable:reason:)``'s reason, or the
    /// whole description of any other error.
    var spawnReason: String {
        if case .spawnFailed(_, let reason) = self { reason } else { description }
    }

    /// The reason of a ``spawnFailed(executable:reason:)`` for a worker that did not serve worker
    /// mode: what it did instead, and what to check.
    static func notServing(_ what: String) -> String {
        "\(what); a program used as a worker must call ProcessWorker.serveIfRequested(_:) first thing in main"
    }
}

extension PoolSupervisor.Failure {
    /// The error a caller of `task` sees for this failure: the one translation from what went wrong
    /// on the wire or in the supervisor to ``ProcessPoolError`` (or `CancellationError`), used by the
    /// pool and by ``ParallelProcess``. `executable` names the worker program in spawn failures here
    /// (on a host, the host is named instead);
    /// `frameLimit` is the channel's size cap, for a worker's `frameTooLarge` (whose message is the size).
    func error(task: String, executable: String, frameLimit: Int) -> any Error {
        switch self {
        case .crashed(.lost(let host, let reason), _): ProcessPoolError.hostLost(task: task, host: host, reason: reason)
        case .crashed(let exit, let report): ProcessPoolError.workerCrashed(task: task, exit: exit, report: report)
        case .timedOut(let after): ProcessPoolError.timedOut(task: task, after: after)
        case .channel(let detail): ProcessPoolError.channelCorrupted(task: task, detail: detail)
        case .frameTooLarge(let size, let limit): ProcessPoolError.frameTooLarge(task: task, size: size, limit: limit)
        case .initializer(let type, let message): ProcessPoolError.initializerFailed(task: task, type: type, message: message)
        case .spawn(let reason, let host?): ProcessPoolError.spawnFailed(executable: "on host \(host)", reason: reason)
        case .spawn(let reason, nil): ProcessPoolError.spawnFailed(executable: executable, reason: reason)
        case .shutDown: ProcessPoolError.shutDown(task: task)
        case .cancelled: CancellationError()
        case .worker(.unknownTask, let message): ProcessPoolError.unknownTask(message)
        case .worker(.decodingFailed, let message): ProcessPoolError.decodingFailed(task: task, message: message)
        case .worker(.encodingFailed, let message): ProcessPoolError.encodingFailed(task: task, message: message)
        case .worker(.frameTooLarge, let message):
            ProcessPoolError.frameTooLarge(task: task, size: Int(message) ?? 0, limit: frameLimit)
        }
    }

    /// How loudly the pool logs this failure of a request, or `nil` when it logs it elsewhere (a
    /// crash with its worker's exit, a spawn failure where it happens) or not at all (shutdown,
    /// cancellation: the caller asked for them).
    var logLevel: Logger.Level? {
        switch self {
        case .crashed, .spawn, .shutDown, .cancelled: nil
        case .timedOut, .frameTooLarge: .warning
        case .channel, .initializer: .error
        case .worker(.unknownTask, _): .error
        case .worker: .warning
        }
    }
}
