#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// The pool's service thread: it starts workers, polls every channel, every worker's standard error
/// and the wake pipe, reads frames into supervisor events, passes workers' standard error on (keeping
/// crash reports, ``WorkerStandardError``), and reaps workers whose channel ended. Everything it learns
/// goes through ``PoolCore/withState(_:)``; only the blocking parts (spawning, `poll`, reaping, standard
/// error) run outside the lock.
extension PoolCore {
    func runLoop() {
        // One read buffer for every channel: this thread is the only reader.
        var scratch = [UInt8](repeating: 0, count: 1 << 18)
        // Workers' standard error, only ever touched on this thread (so outside the lock).
        var standardErrors: [Int: WorkerStandardError] = [:]
        while true {
            let toSpawn = state.withLock { state in
                defer { state.spawnQueue.removeAll() }
                return state.spawnQueue
            }
            for worker in toSpawn { spawn(worker) }

            let (pollSet, workersPolled, errorsPolled, timeout, stop) = state.withLock { state in
                state.wake.rearm()
                var pollSet = [pollfd(fd: state.wake.readEnd, events: Int16(POLLIN), revents: 0)]
                var workersPolled: [Int] = []
                var errorsPolled: [(worker: Int, fd: Int32)] = []
                for (worker, connection) in state.connections {
                    guard let process = connection.process else { continue }
                    if process.errorOutput >= 0, standardErrors[worker]?.isClosed != true {
                        errorsPolled.append((worker, process.errorOutput))
                    }
                    pollSet.append(pollfd(fd: connection.channel.input, events: Int16(POLLIN), revents: 0))
                    workersPolled.append(worker)
                    // A write end of its own (a pipe pair) is polled for room separately.
                    if connection.channel.wantsWrite {
                        let output = connection.channel.output
                        if output == connection.channel.input {
                            pollSet[pollSet.count - 1].events |= Int16(POLLOUT)
                        } else {
                            pollSet.append(pollfd(fd: output, events: Int16(POLLOUT), revents: 0))
                            workersPolled.append(worker)
                        }
                    }
                }
                var timeout: Int32 = -1
                state.loopDeadline = state.supervisor.nextDeadline
                if let deadline = state.supervisor.nextDeadline {
                    let remaining = ContinuousClock.now.duration(to: deadline)
                    let (seconds, attoseconds) = remaining.components
                    let milliseconds = max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
                    timeout = Int32(clamping: milliseconds)
                }
                let stop = state.stopped && state.connections.isEmpty && state.spawnQueue.isEmpty
                if !state.spawnQueue.isEmpty { timeout = 0 }
                return (pollSet, workersPolled, errorsPolled, timeout, stop)
            }
            if stop { break }

            var fds = pollSet + errorsPolled.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0 && errno != EINTR { break }
            if fds[0].revents != 0 { state.withLock { $0.wake }.drain() }
            for (offset, worker) in workersPolled.enumerated() {
                let polled = fds[offset + 1]
                let reads = polled.events & Int16(POLLIN) != 0
                // A write end polled alone flushes on any event: an error there fails the write,
                // which empties the queue, so the same error is not polled for again.
                if polled.revents & Int16(POLLOUT) != 0 || (!reads && polled.revents != 0) {
                    state.withLock { state in Self.withChannel(of: worker, in: &state) { $0.flush() } }
                }
                if reads && polled.revents & (Int16(POLLIN) | Int16(POLLHUP) | Int16(POLLERR)) != 0 {
                    read(worker, scratch: &scratch, standardErrors: &standardErrors)
                }
            }
            for (offset, polled) in errorsPolled.enumerated() where fds[pollSet.count + offset].revents != 0 {
                // Not reaped meanwhile (the reap drains and forgets it).
                guard standardErrors[polled.worker]?.isClosed != true,
                      state.withLock({ $0.connections[polled.worker]?.process?.errorOutput }) == polled.fd else { continue }
                Self.readStandardError(polled.fd, into: &standardErrors[polled.worker, default: WorkerStandardError()], scratch: &scratch)
            }
            withState { state, effects in
                Self.perform(state.supervisor.tick(now: .now), in: &state, options: options, effects: &effects)
                Self.recordGauges(&state, options: options, effects: &effects)
            }
        }
        // Only after a failed `poll`: never leave a worker running or a caller waiting.
        let leftovers = state.withLock { state in
            defer { state.connections.removeAll() }
            return state.connections.values.compactMap { connection in
                connection.process.map { ($0, connection.channel.outputClosed) }
            }
        }
        for (process, outputClosed) in leftovers {
            process.signal(SIGKILL)
            _ = process.reap(blocking: true)
            process.close(outputClosedByChannel: outputClosed)
        }
        withState { state, effects in
            for (id, pending) in state.pending {
                effects.completions.append { pending.box.complete(.failure(ProcessPoolError.shutDown(task: pending.task))) }
                state.pending[id] = nil
            }
        }
        if options.startMethod == .forkServer { WorkerLauncher.poolEnded(options.executable) }
        for link in options.hosts { link.close() }
        let waiters = state.withLock { state in
            state.loopExited = true
            state.wake.close()
            defer { state.stopWaiters.removeAll() }
            return state.stopWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func spawn(_ worker: Int) {
        let host = place(worker)
        let result = Result { () throws(ProcessPoolError) -> WorkerProcess in
            if let host {
                return try options.hosts[host].launch(frameLimit: options.frameLimit, hasInitializer: options.initializer != nil)
            }
            return try WorkerLauncher.launch(
                options.executable, frameLimit: options.frameLimit, hasInitializer: options.initializer != nil,
                method: options.startMethod, startTimeout: options.configuration.startTimeout
            )
        }
        withState { state, effects in
            switch result {
            case .success(let process):
                guard state.connections[worker] != nil else {
                    // Cannot happen: connections leave only on this thread, after their spawn.
                    assertionFailure("PoolCore: worker \(worker) started without a connection")
                    process.signal(SIGKILL)
                    _ = process.reap(blocking: true)
                    process.close()
                    return
                }
                state.connections[worker]?.process = process
                state.workersStarted += 1
                let replacement = state.workersStarted > options.configuration.workers
                if replacement, options.observability.metricsOn {
                    let replacements = options.observability.replacements
                    effects.metrics.append { replacements.increment() }
                }
                effects.log(
                    options.logger, replacement ? .info : .debug, replacement ? "replacement worker started" : "worker started",
                    ["worker.pid": "\(process.pid)"]
                )
                Self.withChannel(of: worker, in: &state) { $0.connect(input: process.channel, output: process.output) }
                Self.perform(state.supervisor.workerStarted(worker, now: .now), in: &state, options: options, effects: &effects)
            case .failure(let error):
                state.connections[worker] = nil
                state.placement[worker] = nil
                let reason = error.spawnReason
                if let host {
                    let link = options.hosts[host]
                    let name = link.host.name
                    // Once per failure of the link; the launches it refuses meanwhile at debug level.
                    let level: Logger.Level = link.takeFailureReport() ? .warning : .debug
                    effects.log(options.logger, level, "worker on host \(name) not started: \(reason)", ["host": name])
                    let actions = state.supervisor.hostUnavailable(worker, host: name, reason: reason, now: .now)
                    Self.perform(actions, in: &state, options: options, effects: &effects)
                } else {
                    effects.log(options.logger, .error, "worker failed to start: \(reason)", ["executable": options.executable.description])
                    Self.perform(state.supervisor.spawnFailed(worker, reason: reason, now: .now), in: &state, options: options, effects: &effects)
                }
            }
        }
    }

    /// Where a new worker runs: this machine while it has fewer workers than its share, else the
    /// first host short of its count (nil: here).
    private func place(_ worker: Int) -> Int? {
        state.withLock { state in
            var counts = [Int: Int]()
            var local = 0
            for other in state.connections.keys where other != worker {
                if let host = state.placement[other] { counts[host, default: 0] += 1 } else { local += 1 }
            }
            guard local >= options.localWorkers else { return nil }
            for (index, link) in options.hosts.enumerated() where counts[index, default: 0] < link.host.workers {
                state.placement[worker] = index
                return index
            }
            return nil
        }
    }

    /// Reads what a worker sent and hands its frames to the supervisor; at the end of the channel,
    /// reaps the worker, with what is left of its standard error.
    private func read(_ worker: Int, scratch: inout [UInt8], standardErrors: inout [Int: WorkerStandardError]) {
        var closed = false
        withState { state, effects in
            guard var connection = state.connections.removeValue(forKey: worker) else { return }
            let reading = connection.channel.readAvailable(using: &scratch)
            state.connections[worker] = connection
            closed = reading.closed
            let now = ContinuousClock.now
            for (index, frame) in reading.frames.enumerated() {
                if let descriptors = reading.descriptors[index] {
                    switch frame {
                    case .outputs(let id, _), .results(let id, _): state.pending[id]?.box.attach(descriptors)
                    default: break
                    }
                }
                Self.perform(state.supervisor.frameReceived(frame, from: worker, now: now), in: &state, options: options, effects: &effects)
            }
            if let corruption = reading.corruption {
                Self.perform(state.supervisor.channelCorrupted(worker, corruption), in: &state, options: options, effects: &effects)
            }
            Self.perform(state.supervisor.batchEnded(worker), in: &state, options: options, effects: &effects)
            // Before the replies' callers resume, so that they see the gauges of this moment.
            Self.recordGauges(&state, options: options, effects: &effects)
            if reading.closed {
                Self.perform(
                    state.supervisor.channelClosed(worker, truncatedBytes: reading.truncatedBytes),
                    in: &state, options: options, effects: &effects
                )
            }
        }
        guard closed else { return }

        // From here on only this thread may signal the worker: its connection leaves the table under
        // the lock, so no `.kill` action can touch the pid after the reap below.
        let removed = state.withLock { state in
            state.placement[worker] = nil
            return state.connections.removeValue(forKey: worker)
        }
        guard let process = removed?.process else { return }
        let outputClosed = removed?.channel.outputClosed ?? false
        // The channel ends when the worker exits; if it closed it and lives on, it is killed.
        var exit = process.reap(blocking: false)
        if exit == nil {
            process.signal(SIGKILL)
            exit = process.reap(blocking: true)
        }
        // Dead, it wrote all it will: what is in the pipe is the rest of its crash report, if any.
        var standardError = standardErrors.removeValue(forKey: worker) ?? WorkerStandardError()
        if process.errorOutput >= 0 { Self.readStandardError(process.errorOutput, into: &standardError, scratch: &scratch) }
        Self.passOn(standardError.finish())
        process.close(outputClosedByChannel: outputClosed)
        withState { state, effects in
            let exit = exit ?? .exited(status: -1)
            let actions = state.supervisor.workerExited(worker, exit, report: standardError.crashReport, now: .now)
            Self.logExit(of: process.pid, exit, actions: actions, state: state, options: options, effects: &effects)
            Self.perform(actions, in: &state, options: options, effects: &effects)
        }
    }

    /// Reads what `fd` (a worker's standard error, non-blocking) holds now, passing lines on; notes its
    /// end. At most a few reads: a worker that writes without pause cannot hold this thread.
    static func readStandardError(_ fd: Int32, into standardError: inout WorkerStandardError, scratch: inout [UInt8]) {
        for _ in 0..<16 {
            let count = scratch.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count == 0 { standardError.close() }
            guard count > 0 else { return }
            passOn(standardError.append(scratch[0..<count]))
        }
    }

    /// Writes a worker's lines to this process's standard error (where the worker would have).
    static func passOn(_ bytes: [UInt8]) {
        var written = 0
        for _ in 0..<1_000 where written < bytes.count {
            let count = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress.map { $0 + written }, bytes.count - written) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            written += count
        }
    }

    /// One line per worker exit: a crash, which fails the request it was running, as an error naming
    /// the pid, the exit, the task and the request; any other exit (retired, killed after a timeout or
    /// a cancellation, shut down) at debug level, as the event that caused it was logged already.
    static func logExit(
        of pid: pid_t, _ exit: WorkerExit, actions: [PoolSupervisor.Action], state: State, options: Options,
        effects: inout Effects
    ) {
        let crashed = actions.compactMap { action -> UInt64? in
            if case .fail(let id, .crashed) = action { id } else { nil }
        }
        if let id = crashed.first {
            effects.log(options.logger, .error, "worker \(exit) while running a request; the pool replaces it", [
                "worker.pid": "\(pid)", "task": state.pending[id]?.task, "request.id": "\(id)",
            ])
        } else {
            effects.log(options.logger, .debug, "worker \(exit)", ["worker.pid": "\(pid)"])
        }
    }
}

/// `read(2)`, under a name that ``PoolCore``'s `read(_:scratch:standardErrors:)` does not shadow.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}
