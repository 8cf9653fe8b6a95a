import Foundation

/// A host where a ``ProcessPool`` runs some of its workers: another machine reached over OpenSSH, or
/// any command that gives a process's standard input and output (`kubectl exec -i`, `docker exec -i`,
/// `srun`).
///
/// The pool opens one connection per host and runs the program there in host-agent mode (its only
/// argument `--parallel-host-agent`, served by ``ProcessWorker/serveIfRequested(_:)``): the agent
/// starts that host's workers, carries their frames over the one stream and kills them when asked,
/// or when the pool's stream ends. The program there must be the same build as this one (the same
/// task names); the pool checks this before it starts any worker. See <doc:RunningAcrossMachines>.
///
/// ```swift
/// let pool = try ProcessPool(workers: 2, hosts: [
///     try .ssh("build-1.internal", workers: 4, program: "/opt/app/bin/app"),
/// ])
/// ```
public struct WorkerHost: Sendable, Hashable, CustomStringConvertible {
    /// The host's name in messages and errors (the `ssh` destination).
    public let name: String
    /// How many of the pool's workers run there.
    public let workers: Int
    /// The launcher's command line, whose last words run the program in host-agent mode.
    public let command: [String]

    /// The options every `ssh` connection of a pool gets: never a password prompt or a tty, no trust
    /// on first use, no forwarding, and a dead link noticed within about 3 seconds.
    public static let sshOptions = [
        "-T", "-a", "-x",
        "-o", "BatchMode=yes",
        "-o", "StrictHostKeyChecking=yes",
        "-o", "ForwardAgent=no",
        "-o", "ClearAllForwardings=yes",
        "-o", "ServerAliveInterval=1",
        "-o", "ServerAliveCountMax=3",
    ]

    /// Workers on `destination` (as `ssh` takes it, so `~/.ssh/config`, jump hosts and the agent
    /// apply), running `program` there: `ssh -T -o BatchMode=yes … -- destination 'exec program
    /// --parallel-host-agent'`.
    ///
    /// - Parameters:
    ///   - destination: `host`, `user@host` or a `Host` alias of `~/.ssh/config`.
    ///   - workers: how many workers run there (at least 1).
    ///   - program: the absolute path of the same program on that host.
    ///   - options: more `ssh` arguments, before the destination (`["-F", "/etc/app/ssh_config"]`).
    /// - Throws: ``InvalidArgumentError`` if `workers` is less than 1, or `destination` or `program`
    ///   is empty or `destination` starts with `-`.
    ///
    /// ```swift
    /// let host = try WorkerHost.ssh("worker@10.0.0.7", workers: 8, program: "/opt/app/bin/app")
    /// ```
    public static func ssh(
        _ destination: String, workers: Int, program: String, options: [String] = []
    ) throws(InvalidArgumentError) -> WorkerHost {
        try InvalidArgumentError.check("workers", workers, atLeast: 1)
        guard !destination.isEmpty, !destination.hasPrefix("-") else {
            throw InvalidArgumentError(
                argument: "destination", value: "\"\(destination)\"", expected: "an ssh destination such as host or user@host, not empty and not starting with -"
            )
        }
        guard !program.isEmpty else {
            throw InvalidArgumentError(argument: "program", value: "\"\"", expected: "the path of the program on that host")
        }
        let remote = "exec \(shellQuoted(program)) \(HostAgent.flag)"
        return WorkerHost(name: destination, workers: workers, command: ["ssh"] + sshOptions + options + ["--", destination, remote])
    }

    /// Workers in whatever `command` reaches: it must run the same program with the single argument
    /// `--parallel-host-agent`, its standard input and output being the link.
    ///
    /// - Throws: ``InvalidArgumentError`` if `workers` is less than 1 or `command` is empty.
    ///
    /// ```swift
    /// let pod = try WorkerHost.command(
    ///     ["kubectl", "exec", "-i", "worker-0", "--", "/app/bin/app", "--parallel-host-agent"],
    ///     workers: 4, name: "worker-0"
    /// )
    /// ```
    public static func command(_ command: [String], workers: Int, name: String? = nil) throws(InvalidArgumentError) -> WorkerHost {
        try InvalidArgumentError.check("workers", workers, atLeast: 1)
        guard let first = command.first, !first.isEmpty else {
            throw InvalidArgumentError(argument: "command", value: "\(command)", expected: "a program and its arguments")
        }
        return WorkerHost(name: name ?? command.joined(separator: " "), workers: workers, command: command)
    }

    /// The name, for messages.
    ///
    /// ```swift
    /// print(try WorkerHost.ssh("build-1", workers: 2, program: "/opt/app"))   // build-1
    /// ```
    public var description: String { name }

    /// `text` in single quotes for a POSIX shell (the remote login shell parses `ssh`'s command).
    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
