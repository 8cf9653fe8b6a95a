#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CParallelShims
import Foundation

/// A pool's end of one host's link: the launcher (`ssh …`) whose standard input and output reach the
/// ``HostAgent`` there, and a relay thread that makes each remote worker look like a local one to the
/// pool's service loop.
///
/// ```
///  pool loop ── pipes per worker (channel, status, stderr) ── relay thread ── launcher ── agent ── workers
/// ```
///
/// Each remote worker gets a channel made of two pipes (pipes pass no descriptors, so a
/// ``SharedArray`` bound for a remote worker is refused with a typed error), a status pipe the relay
/// closes once the worker's exit is known, and a standard error pipe. The relay thread alone reads
/// and writes the launcher's socket and the relay's ends of those pipes; ``launch(frameLimit:hasInitializer:)``
/// and ``signal(_:_:)`` hand it commands through a lock and a wake pipe.
///
/// A link that ends (the launcher exits, bytes that are not messages, silence past
/// ``HostAgent/silenceLimit``) ends all of its workers with ``WorkerExit/lost(host:reason:)``; the
/// next launch reconnects after a backoff (1 s, doubling to 30 s). A handshake that shows another
/// build, or bytes a login shell printed, is permanent: every later launch fails at once with the reason.
final class HostLink: Sendable {
    let host: WorkerHost
    private let ours: HostHello
    private let shared: LockedValue<Shared>

    private enum Phase {
        case idle
        case running(wake: WakePipe)
        case failed(reason: String, permanent: Bool, retryAt: ContinuousClock.Instant)
        case closed
    }

    private enum Command {
        case start(Slot, frameLimit: Int, hasInitializer: Bool)
        case signal(UInt32, Int32)
        case stop
    }

    private struct Shared {
        var phase: Phase = .idle
        var commands: [Command] = []
        var nextWorker: UInt32 = 1
        var lastBackoff: Duration = .zero
        /// The pool has logged the current failure (it logs each one once, not each refused launch).
        var failureReported = false
        /// Set when the last relay thread started has finished (nil: none was started).
        var relayDone: Event?

        /// The link is down for `reason`: launches fail at once until the backoff has passed (1 s,
        /// doubling to 30 s; from 1 s again after a link that served), or for good if `permanent`.
        mutating func fail(reason: String, permanent: Bool, served: Bool) {
            if case .closed = phase { return }
            let backoff = min(max(lastBackoff * 2, .seconds(1)), .seconds(30))
            phase = .failed(reason: reason, permanent: permanent, retryAt: .now + backoff)
            lastBackoff = served ? .zero : backoff
            failureReported = false
        }
    }

    /// The relay's ends of one remote worker's pipes.
    private struct Slot {
        let remote: RemoteWorker
        /// Relay writes, pool reads: the worker's frames.
        let toPool: Int32
        /// Pool writes, relay reads: frames for the worker.
        let fromPool: Int32
        /// Closed by the relay once the exit is known.
        let status: Int32
        /// Relay writes, pool reads: the worker's standard error.
        let errorOutput: Int32
        var pendingToPool: [UInt8] = []
        var pendingError: [UInt8] = []
        var exit: WorkerExit?
        var fromPoolOpen = true

        func closeAll() {
            for fd in [toPool, fromPool, status, errorOutput] { _ = systemClose(fd) }
        }
    }

    init(host: WorkerHost, tasks: [String]?) {
        self.host = host
        ours = HostHello.local(tasks: tasks)
        shared = LockedValue(Shared())
    }

    /// A new worker on this host: its pool-side ends at once; the agent starts it when the link
    /// serves. Throws at once while the link is down for good or backing off.
    func launch(frameLimit: Int, hasInitializer: Bool) throws(ProcessPoolError) -> WorkerProcess {
        try shared.withLock { shared throws(ProcessPoolError) in
            let executable = "\(host.name) (\(host.command.first ?? "launcher"))"
            switch shared.phase {
            case .closed:
                throw .spawnFailed(executable: executable, reason: "the pool is shutting down")
            case .failed(let reason, let permanent, let retryAt) where permanent || ContinuousClock.now < retryAt:
                let retry = permanent ? "" : " (the next try comes with a later request, after \(ContinuousClock.now.duration(to: retryAt).formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1)))))"
                throw .spawnFailed(executable: executable, reason: "\(reason)\(retry)")
            case .idle, .failed:
                let wake = try WakePipe()
                let process: SpawnedProcess
                do throws(ProcessPoolError) {
                    process = try ProcessSpawner.spawnLauncher(host.command)
                } catch {
                    wake.close()
                    shared.fail(reason: error.spawnReason, permanent: false, served: false)
                    throw error
                }
                shared.phase = .running(wake: wake)
                let link = self
                let done = Event()
                do throws(ProcessPoolError) {
                    try startServiceThread {
                        link.relay(process, wake: wake)
                        done.set()
                    }
                    shared.relayDone = done
                } catch {
                    _ = kill(process.pid, SIGKILL)
                    _ = reap(process.pid, blocking: true)
                    for fd in [process.channel, process.error ?? -1] where fd >= 0 { _ = systemClose(fd) }
                    wake.close()
                    shared.phase = .idle
                    throw error
                }
            case .running:
                break
            }
            guard case .running(let wake) = shared.phase else { throw .spawnFailed(executable: executable, reason: "the link is down") }
            // The worker's frames, frames for it, its status and its standard error: four pipes.
            var pipes: [[Int32]] = []
            for _ in 0..<4 {
                var fds: [Int32] = [-1, -1]
                guard parallel_pipe_cloexec(&fds) == 0 else {
                    let reason = String(cString: strerror(errno))
                    for fd in pipes.joined() { _ = systemClose(fd) }
                    throw .spawnFailed(executable: executable, reason: "pipe: \(reason)")
                }
                for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
                pipes.append(fds)
            }
            let (toPool, fromPool, status, errors) = (pipes[0], pipes[1], pipes[2], pipes[3])
            let id = shared.nextWorker
            shared.nextWorker &+= 1
            let remote = RemoteWorker(link: self, id: id)
            let slot = Slot(remote: remote, toPool: toPool[1], fromPool: fromPool[0], status: status[1], errorOutput: errors[1])
            shared.commands.append(.start(slot, frameLimit: frameLimit, hasInitializer: hasInitializer))
            wake.wake()
            return WorkerProcess(remote: remote, channel: toPool[0], output: fromPool[1], statusPipe: status[0], errorOutput: errors[0])
        }
    }

    /// Whether the link's current failure is news to the pool: true once per failure, so a host that
    /// stays down is logged once, not at every launch it refuses.
    func takeFailureReport() -> Bool {
        shared.withLock { shared in
            guard case .failed = shared.phase, !shared.failureReported else { return false }
            shared.failureReported = true
            return true
        }
    }

    /// Asks the agent to send `signal` to worker `id` (nothing happens once it is gone).
    func signal(_ id: UInt32, _ signal: Int32) {
        shared.withLock { shared in
            guard case .running(let wake) = shared.phase else { return }
            shared.commands.append(.signal(id, signal))
            wake.wake()
        }
    }

    /// Ends the link: its workers are killed by the agent when its input ends, the launcher is
    /// stopped and reaped, and later launches fail. Returns once the relay thread has closed
    /// everything (at most about 2 seconds: the launcher gets 0.5 s to exit, then SIGTERM, then SIGKILL).
    func close() {
        let done = shared.withLock { shared in
            if case .running(let wake) = shared.phase {
                shared.commands.append(.stop)
                wake.wake()
            }
            shared.phase = .closed
            return shared.relayDone
        }
        _ = try? done?.wait(timeout: .seconds(10))
    }

    // MARK: The relay thread

    private func relay(_ launcher: SpawnedProcess, wake: WakePipe) {
        let socket = launcher.channel
        let launcherErrors = launcher.error ?? -1
        var reader = HostMessageReader(expectGreeting: true)
        var outbound: [UInt8] = []
        HostMessage.hello(ours.encoded).encode(into: &outbound)
        var outboundStart = 0
        var slots: [UInt32: Slot] = [:]
        var waitingStarts: [HostMessage] = []
        var verified = false
        var errorTail: [UInt8] = []
        /// Polled until it ends (a launcher may close its standard error and live on).
        var launcherErrorsOpen = launcherErrors >= 0
        var scratch = [UInt8](repeating: 0, count: HostMessage.chunkLimit)
        var lastHeard = ContinuousClock.now
        var lastHeartbeat = ContinuousClock.now
        var ending: (reason: String, permanent: Bool)?
        /// The link ended from the far side (not by a decision of this side): the launcher's exit says why.
        var endedThere = false

        func finish(_ id: UInt32, _ exit: WorkerExit) {
            guard let slot = slots.removeValue(forKey: id) else { return }
            slot.remote.exit.withLock { $0 = exit }
            slot.closeAll()
        }


        while ending == nil {
            let commands = shared.withLock { shared in
                wake.rearm()
                defer { shared.commands.removeAll() }
                return shared.commands
            }
            wake.drain()
            for command in commands {
                switch command {
                case .start(let slot, let frameLimit, let hasInitializer):
                    slots[slot.remote.id] = slot
                    let message = HostMessage.start(worker: slot.remote.id, frameLimit: frameLimit, hasInitializer: hasInitializer)
                    if verified { message.encode(into: &outbound) } else { waitingStarts.append(message) }
                case .signal(let id, let signal):
                    guard slots[id] != nil else { continue }
                    if verified {
                        HostMessage.signal(worker: id, signal).encode(into: &outbound)
                    } else {
                        // Not started there yet: it never will be.
                        waitingStarts.removeAll { if case .start(id, _, _) = $0 { true } else { false } }
                        finish(id, .signaled(signal: signal))
                    }
                case .stop:
                    ending = ("the pool closed its link", false)
                }
            }
            if ending != nil { break }

            var fds = [
                pollfd(fd: wake.readEnd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: socket, events: Int16(POLLIN) | (outbound.count > outboundStart ? Int16(POLLOUT) : 0), revents: 0),
                pollfd(fd: launcherErrorsOpen ? launcherErrors : -1, events: Int16(POLLIN), revents: 0),
            ]
            let ids = Array(slots.keys)
            for id in ids {
                guard let slot = slots[id] else { continue }
                // The pool's frames wait in the pipe until the agent has greeted (it may send at once).
                fds.append(pollfd(fd: slot.fromPoolOpen && verified ? slot.fromPool : -1, events: Int16(POLLIN), revents: 0))
                fds.append(pollfd(fd: slot.toPool, events: slot.pendingToPool.isEmpty ? 0 : Int16(POLLOUT), revents: 0))
                fds.append(pollfd(fd: slot.errorOutput, events: slot.pendingError.isEmpty ? 0 : Int16(POLLOUT), revents: 0))
            }
            if poll(&fds, nfds_t(fds.count), 1000) < 0 && errno != EINTR {
                ending = ("poll failed: \(String(cString: strerror(errno)))", false)
                break
            }
            let now = ContinuousClock.now
            if fds[2].revents != 0 { launcherErrorsOpen = Self.readTail(launcherErrors, into: &errorTail, scratch: &scratch) }

            if fds[1].revents & (Int16(POLLIN) | Int16(POLLHUP) | Int16(POLLERR)) != 0 {
                let count = scratch.withUnsafeMutableBytes { read(socket, $0.baseAddress, $0.count) }
                if count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR) {
                    ending = (verified ? "the link ended" : "the link ended before the agent greeted", false)
                    endedThere = true
                    break
                }
                if count > 0 {
                    lastHeard = now
                    reader.append(scratch[0..<count])
                    do throws(HostLinkError) {
                        while ending == nil, let message = try reader.next() {
                            switch message {
                            case .hello(let bytes):
                                let theirs = HostHello(decoding: bytes)
                                if !reader.preamble.isEmpty {
                                    ending = (
                                        "the remote shell printed \(reader.preamble.count) bytes before the agent's greeting, "
                                            + "\(HostLinkError.quote(reader.preamble)): make the login shell's rc files (~/.bashrc) quiet "
                                            + "when not interactive", true
                                    )
                                } else if let mismatch = ours.mismatch(with: theirs) {
                                    ending = ("the program there (\(theirs.summary)) is another build: \(mismatch)", true)
                                } else {
                                    verified = true
                                    for start in waitingStarts { start.encode(into: &outbound) }
                                    waitingStarts.removeAll()
                                }
                            case .started:
                                break
                            case .startFailed(let id, let reason):
                                finish(id, .lost(host: host.name, reason: "the agent could not start a worker: \(reason)"))
                            case .data(let id, let bytes):
                                slots[id]?.pendingToPool += bytes
                            case .errorOutput(let id, let bytes):
                                if let slot = slots[id], slot.pendingError.count < 1 << 20 { slots[id]?.pendingError += bytes }
                            case .exited(let id, let status):
                                slots[id]?.exit = WorkerExit(waitStatus: status)
                            case .heartbeat:
                                break
                            case .start, .signal, .endOfInput:
                                throw .malformed("the agent sent a message only a pool sends")
                            }
                        }
                    } catch {
                        ending = (error.description, false)
                    }
                }
            }
            for (offset, id) in ids.enumerated() {
                guard var slot = slots[id] else { continue }
                let fromPool = fds[3 + 3 * offset]
                if fromPool.revents != 0 {
                    let count = scratch.withUnsafeMutableBytes { read(slot.fromPool, $0.baseAddress, $0.count) }
                    if count > 0 {
                        HostMessage.data(worker: id, Array(scratch[0..<count])).encode(into: &outbound)
                    } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                        slot.fromPoolOpen = false
                        HostMessage.endOfInput(worker: id).encode(into: &outbound)
                    }
                }
                if !slot.pendingToPool.isEmpty {
                    let written = slot.pendingToPool.withUnsafeBytes { parallel_write_nosigpipe(slot.toPool, $0.baseAddress, UInt($0.count)) }
                    if written > 0 { slot.pendingToPool.removeFirst(written) }
                    if written < 0 && errno != EAGAIN && errno != EINTR { slot.pendingToPool.removeAll() }
                }
                if !slot.pendingError.isEmpty {
                    let written = slot.pendingError.withUnsafeBytes { parallel_write_nosigpipe(slot.errorOutput, $0.baseAddress, UInt($0.count)) }
                    if written > 0 { slot.pendingError.removeFirst(written) }
                    if written < 0 && errno != EAGAIN && errno != EINTR { slot.pendingError.removeAll() }
                }
                slots[id] = slot
                if let exit = slot.exit, slot.pendingToPool.isEmpty, slot.pendingError.isEmpty { finish(id, exit) }
            }

            // After the workers' frames were read above, so that they leave in this round.
            if outbound.count > outboundStart {
                let written = outbound[outboundStart...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, noSignalFlag) }
                if written > 0 { outboundStart += written }
                if written < 0 && errno != EAGAIN && errno != EINTR {
                    ending = ("writing to the link failed: \(String(cString: strerror(errno)))", false)
                }
                if outboundStart == outbound.count {
                    outbound.removeAll(keepingCapacity: outbound.capacity <= 1 << 20)
                    outboundStart = 0
                }
            }

            if verified && now - lastHeartbeat >= .seconds(1) {
                lastHeartbeat = now
                HostMessage.heartbeat.encode(into: &outbound)
            }
            if now - lastHeard > HostAgent.silenceLimit {
                ending = ("no word from the host for \(HostAgent.silenceLimit)", false)
            }
        }

        // The link is over: the launcher is stopped (its end closes the agent's input, and the agent
        // kills its workers), and every worker here ends as lost, with the launcher's last words.
        _ = systemClose(socket)
        let exit = stopLauncher(launcher.pid, errors: launcherErrors, tail: &errorTail, scratch: &scratch)
        if launcherErrors >= 0 { _ = systemClose(launcherErrors) }
        let (why, permanent) = ending ?? ("the link ended", false)
        var reason = why
        let words = String(decoding: errorTail, as: UTF8.self).split(separator: "\n").suffix(3).joined(separator: " / ")
        if endedThere, let exit { reason += " (\(host.command.first ?? "launcher") \(exit))" }
        if !words.isEmpty { reason += ": \(words)" }
        let remaining = shared.withLock { shared in
            shared.fail(reason: reason, permanent: permanent, served: verified)
            defer { shared.commands.removeAll() }
            return shared.commands
        }
        for command in remaining {
            if case .start(let slot, _, _) = command { slots[slot.remote.id] = slot }
        }
        for id in Array(slots.keys) { finish(id, .lost(host: host.name, reason: reason)) }
        wake.close()
    }

    /// Stops the launcher: a moment to exit on its own (its input is closed), then SIGTERM, then
    /// SIGKILL; reaps it and keeps the last of what it wrote to standard error. Its exit is watched
    /// through a pidfd where the kernel has them, else through the end of its standard error.
    private func stopLauncher(_ pid: pid_t, errors: Int32, tail: inout [UInt8], scratch: inout [UInt8]) -> WorkerExit? {
        let watch = parallel_pidfd_open(pid)
        defer { if watch >= 0 { _ = systemClose(watch) } }
        var errorsOpen = errors >= 0
        for (wait, signal) in [(500, SIGTERM), (1000, SIGKILL)] {
            let deadline = ContinuousClock.now + .milliseconds(wait)
            // Each round ends with the launcher's exit, with its standard error's end (no pidfd),
            // or at the deadline; at most one round per chunk it writes, and the deadline bounds it.
            for _ in 0..<1_000 {
                if let exit = Parallel.reap(pid, blocking: false) { return exit }
                let (seconds, attoseconds) = ContinuousClock.now.duration(to: deadline).components
                let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
                guard milliseconds > 0, watch >= 0 || errorsOpen else { break }
                var fds = [
                    pollfd(fd: watch, events: Int16(POLLIN), revents: 0),
                    pollfd(fd: errorsOpen ? errors : -1, events: Int16(POLLIN), revents: 0),
                ]
                guard poll(&fds, 2, milliseconds) > 0 else { continue }
                if fds[1].revents != 0 { errorsOpen = Self.readTail(errors, into: &tail, scratch: &scratch) }
                if watch < 0 && !errorsOpen { break }
            }
            if let exit = Parallel.reap(pid, blocking: false) { return exit }
            _ = kill(pid, signal)
        }
        return Parallel.reap(pid, blocking: true)
    }

    /// Reads what `fd` holds now (non-blocking) into `tail`, keeping its last 4 KiB; false once it
    /// has ended.
    private static func readTail(_ fd: Int32, into tail: inout [UInt8], scratch: inout [UInt8]) -> Bool {
        guard fd >= 0 else { return false }
        for _ in 0..<16 {
            let count = scratch.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { return false }
            guard count > 0 else { return errno == EAGAIN || errno == EINTR }
            tail += scratch[0..<count]
            if tail.count > 4096 { tail.removeFirst(tail.count - 4096) }
        }
        return true
    }
}

/// One worker on a host, as its ``WorkerProcess`` knows it: how to signal it (through its link) and,
/// once the relay knows, how it ended.
final class RemoteWorker: Sendable {
    let link: HostLink
    let id: UInt32
    let exit = LockedValue<WorkerExit?>(nil)

    init(link: HostLink, id: UInt32) {
        self.link = link
        self.id = id
    }
}

/// `close(2)`, under a name that the types here do not shadow.
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
