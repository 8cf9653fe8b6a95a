#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The pool's service thread: it starts workers, polls every channel and the wake pipe, reads frames
/// into supervisor events, and reaps workers whose channel ended. Everything it learns goes through
/// ``PoolCore/withState(_:)``; only the blocking parts (spawning, `poll`, reaping) run outside the lock.
extension PoolCore {
    func runLoop() {
        // One read buffer for every channel: this thread is the only reader.
        var scratch = [UInt8](repeating: 0, count: 1 << 18)
        while true {
            let toSpawn = state.withLock { state in
                defer { state.spawnQueue.removeAll() }
                return state.spawnQueue
            }
            for worker in toSpawn { spawn(worker) }

            let (pollSet, workersPolled, timeout, stop) = state.withLock { state in
                state.wake.rearm()
                var pollSet = [pollfd(fd: state.wake.readEnd, events: Int16(POLLIN), revents: 0)]
                var workersPolled: [Int] = []
                for (worker, connection) in state.connections where connection.process != nil {
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
                return (pollSet, workersPolled, timeout, stop)
            }
            if stop { break }

            var fds = pollSet
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
                    read(worker, scratch: &scratch)
                }
            }
            withState { state, effects in
                Self.perform(state.supervisor.tick(now: .now), in: &state, options: options, effects: &effects)
            }
        }
        // Only after a failed `poll`: never leave a worker running or a caller waiting.
        let leftovers = state.withLock { state in
            defer { state.connections.removeAll() }
            return state.connections.values.compactMap(\.process)
        }
        for process in leftovers {
            process.signal(SIGKILL)
            _ = process.reap(blocking: true)
            process.close()
        }
        withState { state, effects in
            for (id, pending) in state.pending {
                effects.completions.append { pending.box.complete(.failure(ProcessPoolError.shutDown(task: pending.task))) }
                state.pending[id] = nil
            }
        }
        if options.startMethod == .forkServer { WorkerLauncher.poolEnded(options.executable) }
        let waiters = state.withLock { state in
            state.loopExited = true
            state.wake.close()
            defer { state.stopWaiters.removeAll() }
            return state.stopWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func spawn(_ worker: Int) {
        let result = Result { () throws(ProcessPoolError) -> WorkerProcess in
            try WorkerLauncher.launch(
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
                effects.log(
                    options.logger, replacement ? .info : .debug, replacement ? "replacement worker started" : "worker started",
                    ["worker.pid": "\(process.pid)"]
                )
                Self.withChannel(of: worker, in: &state) { $0.connect(input: process.channel, output: process.channel) }
                Self.perform(state.supervisor.workerStarted(worker, now: .now), in: &state, options: options, effects: &effects)
            case .failure(let error):
                state.connections[worker] = nil
                let reason: String = if case .spawnFailed(_, let reason) = error { reason } else { error.description }
                effects.log(options.logger, .error, "worker failed to start: \(reason)", ["executable": options.executable.description])
                Self.perform(state.supervisor.spawnFailed(worker, reason: reason, now: .now), in: &state, options: options, effects: &effects)
            }
        }
    }

    /// Reads what a worker sent and hands its frames to the supervisor; at the end of the channel,
    /// reaps the worker.
    private func read(_ worker: Int, scratch: inout [UInt8]) {
        var closed = false
        withState { state, effects in
            guard var connection = state.connections.removeValue(forKey: worker) else { return }
            let reading = connection.channel.readAvailable(using: &scratch)
            state.connections[worker] = connection
            closed = reading.closed
            let now = ContinuousClock.now
            for frame in reading.frames {
                Self.perform(state.supervisor.frameReceived(frame, from: worker, now: now), in: &state, options: options, effects: &effects)
            }
            if let corruption = reading.corruption {
                Self.perform(state.supervisor.channelCorrupted(worker, corruption), in: &state, options: options, effects: &effects)
            }
            Self.perform(state.supervisor.batchEnded(worker), in: &state, options: options, effects: &effects)
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
        let process = state.withLock { state in state.connections.removeValue(forKey: worker)?.process }
        guard let process else { return }
        // The channel ends when the worker exits; if it closed it and lives on, it is killed.
        var exit = process.reap(blocking: false)
        if exit == nil {
            process.signal(SIGKILL)
            exit = process.reap(blocking: true)
        }
        process.close()
        withState { state, effects in
            let exit = exit ?? .exited(status: -1)
            let actions = state.supervisor.workerExited(worker, exit, now: .now)
            Self.logExit(of: process.pid, exit, actions: actions, state: state, options: options, effects: &effects)
            Self.perform(actions, in: &state, options: options, effects: &effects)
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
