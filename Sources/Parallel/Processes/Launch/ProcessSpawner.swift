#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CParallelShims

#if canImport(Darwin)
/// Darwin has no `MSG_NOSIGNAL`; the parent's channel sockets set `SO_NOSIGPIPE` instead.
let noSignalFlag: Int32 = 0
#else
/// Writing to a dead worker must return `EPIPE`, not kill the parent with `SIGPIPE`.
let noSignalFlag = Int32(MSG_NOSIGNAL)
#endif

/// A worker process just started: its pid and the parent's end of its channel.
struct SpawnedProcess: Sendable {
    let pid: pid_t
    /// The parent's end of the channel: a non-blocking, close-on-exec Unix stream socket.
    let channel: Int32
    /// Read ends of the child's standard output and error, when captured (``ProcessSpawner/Capture``).
    let output: Int32?
    let error: Int32?
}

/// Starts worker processes with `posix_spawn` — never `fork`, which is undefined behaviour in practice
/// for a multi-threaded Swift process.
///
/// The child gets its end of a socket pair on descriptor 3 and nothing else from the parent: every
/// descriptor the parent creates here is close-on-exec (so concurrent spawns do not leak channels into
/// each other) and, on Linux, every other descriptor above 3 is closed in the child. Standard input,
/// output and error stay the user's unless capture is asked for. The child runs in a process group of
/// its own, so a terminal's Ctrl-C reaches only the parent.
enum ProcessSpawner {
    /// Which of the child's standard streams go to pipes the parent reads.
    enum Capture {
        /// Neither: the child writes to the parent's.
        case none
        /// Standard error (a pool's worker: ``WorkerStandardError``).
        case error
        /// Standard output and error (``ParallelProcess/OutputMode/capture``).
        case outputAndError
    }

    static func spawn(
        _ executable: WorkerExecutable, frameLimit: Int, hasInitializer: Bool, capture: Capture = .none,
        forkServer: Bool = false
    ) throws(ProcessPoolError) -> SpawnedProcess {
        guard WorkerEnvironment.rawValue == nil else { throw .workerModeNotServed }
        func failure(_ what: String) -> ProcessPoolError {
            .spawnFailed(executable: executable.description, reason: "\(what): \(String(cString: strerror(errno)))")
        }
        var opened: [Int32] = []
        defer { for fd in opened { close(fd) } }

        // A fork server's requests carry descriptors and are read whole: message boundaries matter.
        let (parentChannel, childChannel) = try socketPair(sequenced: forkServer, opened: &opened, failure: failure)

        var outputPipe: [Int32] = [-1, -1]
        var errorPipe: [Int32] = [-1, -1]
        if capture == .outputAndError {
            guard makePipe(&outputPipe) else { throw failure("pipe") }
            opened += outputPipe
        }
        if capture != .none {
            guard makePipe(&errorPipe) else { throw failure("pipe") }
            opened += errorPipe
        }

        var moves = [(childChannel, WorkerEnvironment.channelDescriptor)]
        if capture == .outputAndError { moves.append((outputPipe[1], 1)) }
        if capture != .none { moves.append((errorPipe[1], 2)) }
        let environment = WorkerEnvironment(
            channel: WorkerEnvironment.channelDescriptor, parent: getpid(), frameLimit: frameLimit,
            hasInitializer: hasInitializer, forkServer: forkServer
        )
        let argv = [CommandLine.arguments.first ?? executable.path] + executable.arguments
        var envp = currentEnvironment().filter { !$0.hasPrefix(WorkerEnvironment.variable + "=") }
        envp.append(environment.assignment)
        let pid = try start(executable.path, argv: argv, environment: envp, moves: moves, searchPath: false, failure: failure)
        // The parent keeps only its end of the channel and the read ends of captured output.
        let output = capture == .outputAndError ? outputPipe[0] : nil
        let error = capture != .none ? errorPipe[0] : nil
        opened.removeAll { $0 == parentChannel || $0 == output || $0 == error }
        _ = fcntl(parentChannel, F_SETFL, fcntl(parentChannel, F_GETFL) | O_NONBLOCK)
        return SpawnedProcess(pid: pid, channel: parentChannel, output: output, error: error)
    }

    /// Starts `command` (looked up in `PATH`) with one end of a new socket pair as both its standard
    /// input and output, and its standard error on a pipe: a host link's launcher (`ssh …`, `kubectl
    /// exec -i …`). It gets no worker environment and nothing else of this process's descriptors.
    static func spawnLauncher(_ command: [String]) throws(ProcessPoolError) -> SpawnedProcess {
        let name = command.joined(separator: " ")
        func failure(_ what: String) -> ProcessPoolError {
            .spawnFailed(executable: name, reason: "\(what): \(String(cString: strerror(errno)))")
        }
        guard let program = command.first else { throw .spawnFailed(executable: name, reason: "the command is empty") }
        var opened: [Int32] = []
        defer { for fd in opened { close(fd) } }
        let (parentEnd, childEnd) = try socketPair(sequenced: false, opened: &opened, failure: failure)
        var errorPipe: [Int32] = [-1, -1]
        guard makePipe(&errorPipe) else { throw failure("pipe") }
        opened += errorPipe
        let envp = currentEnvironment().filter { !$0.hasPrefix(WorkerEnvironment.variable + "=") }
        let pid = try start(
            program, argv: command, environment: envp, moves: [(childEnd, 0), (childEnd, 1), (errorPipe[1], 2)],
            searchPath: true, failure: failure
        )
        opened.removeAll { $0 == parentEnd || $0 == errorPipe[0] }
        for fd in [parentEnd, errorPipe[0]] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        return SpawnedProcess(pid: pid, channel: parentEnd, output: nil, error: errorPipe[0])
    }

    /// `posix_spawn` (or `posix_spawnp` with `searchPath`) of `path`: each `moves` pair `dup2`'d in
    /// the child, every other descriptor above the highest target closed (Linux), signals unblocked
    /// and at their defaults, in a process group of its own.
    private static func start(
        _ path: String, argv: [String], environment envp: [String], moves: [(from: Int32, to: Int32)], searchPath: Bool,
        failure: (String) -> ProcessPoolError
    ) throws(ProcessPoolError) -> pid_t {
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        var attributes: posix_spawnattr_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        for (from, to) in moves { posix_spawn_file_actions_adddup2(&actions, from, to) }
        _ = parallel_spawn_close_from(&actions, (moves.map(\.to).max() ?? 2) + 1)

        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // A process group of its own (a fork server's forks stay in the server's): a terminal's
        // Ctrl-C, SIGINT to its foreground group, is the parent's to handle, not the workers'.
        posix_spawnattr_setpgroup(&attributes, 0)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP)
        #if canImport(Darwin)
        flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #endif
        posix_spawnattr_setflags(&attributes, Int16(flags))

        var pid: pid_t = 0
        let status = withCStrings(argv) { cArgv in
            withCStrings(envp) { cEnvp in
                searchPath
                    ? posix_spawnp(&pid, path, &actions, &attributes, cArgv, cEnvp)
                    : posix_spawn(&pid, path, &actions, &attributes, cArgv, cEnvp)
            }
        }
        guard status == 0 else {
            errno = status
            throw failure(searchPath ? "cannot start \(path)" : "posix_spawn")
        }
        return pid
    }

    /// A close-on-exec Unix socket pair (stream, or sequenced packets), the child's end copied above
    /// the low descriptors that the file actions write to so that `dup2` always makes a fresh,
    /// inheritable copy. Every descriptor made goes into `opened`.
    private static func socketPair(
        sequenced: Bool, opened: inout [Int32], failure: (String) -> ProcessPoolError
    ) throws(ProcessPoolError) -> (parent: Int32, child: Int32) {
        var pair: [Int32] = [-1, -1]
        #if canImport(Darwin)
        guard socketpair(AF_UNIX, sequenced ? SOCK_SEQPACKET : SOCK_STREAM, 0, &pair) == 0 else { throw failure("socketpair") }
        for fd in pair {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        #else
        let type = sequenced ? Int32(SOCK_SEQPACKET.rawValue) : Int32(SOCK_STREAM.rawValue)
        guard socketpair(AF_UNIX, type | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else { throw failure("socketpair") }
        #endif
        opened += pair
        let child = fcntl(pair[1], F_DUPFD_CLOEXEC, 10)
        guard child >= 0 else { throw failure("fcntl") }
        opened.append(child)
        return (pair[0], child)
    }

    /// A close-on-exec pipe.
    private static func makePipe(_ fds: inout [Int32]) -> Bool {
        parallel_pipe_cloexec(&fds) == 0
    }

    /// This process's environment as `NAME=value` strings.
    private static func currentEnvironment() -> [String] {
        var result: [String] = []
        #if canImport(Darwin)
        guard let pointer = _NSGetEnviron()?.pointee else { return [] }
        #else
        guard let pointer = environ as UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? else { return [] }
        #endif
        var index = 0
        while let entry = pointer[index] {
            result.append(String(cString: entry))
            index += 1
        }
        return result
    }

    /// Calls `body` with a NULL-terminated C array of `strings`; `EINVAL` if there is no array.
    private static func withCStrings(
        _ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Int32
    ) -> Int32 {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return EINVAL }
            return body(base)
        }
    }
}

/// Waits for `pid` and says how it ended; retries on `EINTR`.
func reap(_ pid: pid_t, blocking: Bool) -> WorkerExit? {
    waitStatus(pid, blocking: blocking).map(WorkerExit.init(waitStatus:))
}

/// `waitpid`'s raw status for `pid`, waiting if `blocking`; nil while it runs; -1 if it was reaped
/// elsewhere (ECHILD: the program reaps all children, and the status is lost). Retries on `EINTR`.
func waitStatus(_ pid: pid_t, blocking: Bool) -> Int32? {
    var status: Int32 = 0
    while true {
        let result = waitpid(pid, &status, blocking ? 0 : WNOHANG)
        if result == pid { return status }
        if result == 0 { return nil }
        if errno == EINTR { continue }
        return -1
    }
}

extension WorkerExit {
    /// From `waitpid`'s raw status; -1 (``waitStatus(_:blocking:)``'s lost status) is an exit with
    /// status -1.
    init(waitStatus status: Int32) {
        let signal = status & 0x7f
        if status == -1 {
            self = .exited(status: -1)
        } else if signal == 0 {
            self = .exited(status: (status >> 8) & 0xff)
        } else {
            self = .signaled(signal: signal)
        }
    }
}
