#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Host-agent mode: the program, started on another host by a pool (`ssh host 'exec program
/// --parallel-host-agent'`, or any launcher in ``WorkerHost/command(_:workers:name:)``), serving that
/// host's workers over its standard input and output.
///
/// It spawns workers of its own executable on request, carries their frames over the one stream
/// (``HostMessage``), signals them on request, and reports how each ended with its real `waitpid`
/// status, which the `ssh` client cannot (it exits 255 for a remote SIGKILL and for a lost link
/// alike). Its standard output is moved away first, so nothing the program prints can corrupt the
/// stream. When the stream ends or the pool falls silent past ``silenceLimit``, it kills every worker
/// and exits: a pool that dies or loses its link leaves no process behind here.
///
/// ``ProcessWorker/serveIfRequested(_:)`` enters this mode when the program's only argument is
/// ``flag``; nothing else is needed in the program.
enum HostAgent {
    /// The argument that starts host-agent mode.
    static let flag = "--parallel-host-agent"
    /// How long the agent waits without a byte from the pool before it gives up on it (the pool
    /// sends a heartbeat every second).
    static let silenceLimit: Duration = .seconds(10)

    /// One worker of this host.
    private struct Worker {
        let pid: pid_t
        let channel: Int32
        var errorOutput: Int32
        /// Bytes from the pool not yet written to the worker.
        var inbound: [UInt8] = []
        /// The pool closed its end: once `inbound` is written, so does this side.
        var inputEnded = false
    }

    /// Serves until the pool's stream ends or falls silent; returns the exit status.
    static func serve(_ registry: TaskRegistry) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        // The stream moves to descriptors of its own; 0 reads nothing and 1 goes to standard error,
        // so that what the program or its libraries print cannot reach the pool as bytes of a frame.
        let input = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 10)
        let output = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 10)
        guard input >= 0, output >= 0 else { return 70 }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        if null >= 0 {
            dup2(null, STDIN_FILENO)
            close(null)
        }
        dup2(STDERR_FILENO, STDOUT_FILENO)
        for fd in [input, output] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }

        var outbound = HostMessage.greeting
        HostMessage.hello(HostHello.local(tasks: registry.names).encoded).encode(into: &outbound)
        var outboundStart = 0
        var reader = HostMessageReader(expectGreeting: false)
        var workers: [UInt32: Worker] = [:]
        var scratch = [UInt8](repeating: 0, count: HostMessage.chunkLimit)
        var lastHeard = ContinuousClock.now
        var lastHeartbeat = ContinuousClock.now

        func post(_ message: HostMessage) { message.encode(into: &outbound) }

        /// Ends a worker whose channel closed: reaped (killed first if it lives on), the rest of its
        /// standard error sent, then its status.
        func finish(_ id: UInt32) {
            guard let worker = workers.removeValue(forKey: id) else { return }
            var exit = waitStatus(worker.pid, blocking: false)
            if exit == nil {
                kill(worker.pid, SIGKILL)
                exit = waitStatus(worker.pid, blocking: true)
            }
            if worker.errorOutput >= 0 {
                for _ in 0..<64 {
                    let count = scratch.withUnsafeMutableBytes { read(worker.errorOutput, $0.baseAddress, $0.count) }
                    guard count > 0 else { break }
                    post(.errorOutput(worker: id, Array(scratch[0..<count])))
                }
                close(worker.errorOutput)
            }
            close(worker.channel)
            post(.exited(worker: id, waitStatus: exit ?? -1))
        }

        /// Kills and reaps every worker; the agent's exit status follows.
        func stopAll() -> Int32 {
            for worker in workers.values { kill(worker.pid, SIGKILL) }
            for id in Array(workers.keys) { finish(id) }
            return 0
        }

        /// Stops everything because the pool's side broke the protocol; says why on standard error.
        func refuse(_ why: String) -> Int32 {
            writeStandardError("Parallel host agent: \(why); exiting\n")
            _ = stopAll()
            return 65
        }

        while true {
            let backlog = outbound.count - outboundStart
            // Reading stops while the pool is slow to take what this side sends.
            let reading = backlog < 8 << 20
            var fds: [pollfd] = []
            fds.append(pollfd(fd: input, events: reading ? Int16(POLLIN) : 0, revents: 0))
            fds.append(pollfd(fd: output, events: backlog > 0 ? Int16(POLLOUT) : 0, revents: 0))
            let ids = Array(workers.keys)
            for id in ids {
                guard let worker = workers[id] else { continue }
                var events: Int16 = reading ? Int16(POLLIN) : 0
                if !worker.inbound.isEmpty { events |= Int16(POLLOUT) }
                fds.append(pollfd(fd: worker.channel, events: events, revents: 0))
                fds.append(pollfd(fd: worker.errorOutput, events: reading ? Int16(POLLIN) : 0, revents: 0))
            }
            if poll(&fds, nfds_t(fds.count), 1000) < 0 && errno != EINTR { return stopAll() }
            let now = ContinuousClock.now

            if fds[0].revents != 0 {
                let count = scratch.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                if count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR) { return stopAll() }
                if count > 0 {
                    lastHeard = now
                    reader.append(scratch[0..<count])
                    while true {
                        let message: HostMessage?
                        do { message = try reader.next() } catch { return refuse("\(error)") }
                        guard let message else { break }
                        switch message {
                        case .hello(let bytes):
                            let theirs = HostHello(decoding: bytes)
                            if theirs.fields["protocol"] != "\(HostHello.protocolVersion)" {
                                return refuse("the pool speaks protocol \(theirs.fields["protocol"] ?? "?")")
                            }
                        case .start(let id, let frameLimit, let hasInitializer):
                            do {
                                let process = try ProcessSpawner.spawn(
                                    .current, frameLimit: frameLimit, hasInitializer: hasInitializer, capture: .error
                                )
                                let errorOutput = process.error ?? -1
                                if errorOutput >= 0 { _ = fcntl(errorOutput, F_SETFL, fcntl(errorOutput, F_GETFL) | O_NONBLOCK) }
                                workers[id] = Worker(pid: process.pid, channel: process.channel, errorOutput: errorOutput)
                                post(.started(worker: id, pid: process.pid))
                            } catch {
                                post(.startFailed(worker: id, reason: error.description))
                            }
                        case .data(let id, let bytes):
                            workers[id]?.inbound += bytes
                        case .endOfInput(let id):
                            workers[id]?.inputEnded = true
                            if let worker = workers[id], worker.inbound.isEmpty { shutdown(worker.channel, Int32(SHUT_WR)) }
                        case .signal(let id, let signal):
                            if let worker = workers[id] { kill(worker.pid, signal) }
                        case .heartbeat:
                            break
                        case .started, .startFailed, .errorOutput, .exited:
                            return refuse("the pool sent a message only an agent sends")
                        }
                    }
                }
            }

            for (offset, id) in ids.enumerated() {
                let channel = fds[2 + 2 * offset]
                let errors = fds[3 + 2 * offset]
                guard workers[id] != nil else { continue }
                if errors.revents != 0, let fd = workers[id]?.errorOutput, fd >= 0 {
                    let count = scratch.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if count > 0 {
                        post(.errorOutput(worker: id, Array(scratch[0..<count])))
                    } else if count == 0 {
                        close(fd)
                        workers[id]?.errorOutput = -1
                    }
                }
                // Written as soon as there is something (the poll's POLLOUT only matters when the
                // worker's socket was full), so a request does not wait for another round.
                if let worker = workers[id], !worker.inbound.isEmpty {
                    let written = worker.inbound.withUnsafeBytes { send(worker.channel, $0.baseAddress, $0.count, noSignalFlag) }
                    if written > 0 { workers[id]?.inbound.removeFirst(written) }
                    if worker.inputEnded, workers[id]?.inbound.isEmpty == true { shutdown(worker.channel, Int32(SHUT_WR)) }
                }
                if channel.revents & (Int16(POLLIN) | Int16(POLLHUP) | Int16(POLLERR)) != 0, let worker = workers[id] {
                    let count = scratch.withUnsafeMutableBytes { read(worker.channel, $0.baseAddress, $0.count) }
                    if count > 0 {
                        post(.data(worker: id, Array(scratch[0..<count])))
                    } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                        finish(id)
                    }
                }
            }

            if now - lastHeartbeat >= .seconds(1) {
                lastHeartbeat = now
                post(.heartbeat)
            }
            if now - lastHeard > silenceLimit {
                writeStandardError("Parallel host agent: no word from the pool for \(silenceLimit); stopping its workers\n")
                return stopAll()
            }
            if outbound.count > outboundStart {
                let written = outbound[outboundStart...].withUnsafeBytes { write(output, $0.baseAddress, $0.count) }
                if written > 0 { outboundStart += written }
                if written < 0 && errno != EAGAIN && errno != EINTR { return stopAll() }
                if outboundStart == outbound.count {
                    outbound.removeAll(keepingCapacity: outbound.capacity <= 1 << 20)
                    outboundStart = 0
                }
            }
        }
    }
}
