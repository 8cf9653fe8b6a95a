import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One registered task running in its own child process (Python's `multiprocessing.Process`).
///
/// The child is a new process of the worker executable (this program by default, serving worker mode
/// from its entry point); its standard output and error pass through to this process's, as in
/// Python, unless ``OutputMode/capture`` is asked for. A service thread waits for the child and reaps
/// it, so it never becomes a zombie, and the child dies with this process.
///
/// ```swift
/// let process = try await ParallelProcess.start(PrintPID.self, 0)   // the child prints its pid
/// print(process.pid)
/// let exit = await process.join()                                   // .exited(status: 0)
/// ```
public final class ParallelProcess<T: ProcessTask>: Sendable {
    /// What happens to the child's standard output and error.
    public enum OutputMode: Sendable {
        /// They are this process's (the default, as in Python).
        case inherit
        /// They are collected; read them with ``capturedOutput`` and ``capturedError`` after ``join()``.
        case capture
    }

    /// The child's process id (`Process.pid`).
    public let pid: Int32
    private let state: LockedValue<State>

    private struct State {
        let executable: String
        var reaped = false
        var exit: WorkerExit?
        /// The child said it serves worker mode.
        var served = false
        var outcome: Result<RequestReply, any Error>?
        /// The descriptors that came with the reply (its ``SharedArray``s).
        var descriptors: DescriptorTable?
        var output: [UInt8] = []
        var error: [UInt8] = []
        var waiters: [UnsafeContinuation<Void, Never>] = []
    }

    private init(pid: Int32, state: LockedValue<State>) {
        self.pid = pid
        self.state = state
    }

    /// Starts `task` on `input` in a new child process (`Process(target=…).start()`).
    ///
    /// Throws ``ProcessPoolError/encodingFailed(task:message:)`` or
    /// ``ProcessPoolError/spawnFailed(executable:reason:)``.
    ///
    /// - Throws: ``InvalidArgumentError`` if `maxFrameSize` is less than 1024; nothing is started.
    ///
    /// `logger` hears of the child's start (debug) and end: at debug level, or as an error if it
    /// crashed before answering, with its pid and the task (the default logs nothing).
    ///
    /// ```swift
    /// let child = try await ParallelProcess.start(SumOfSquares.self, 1_000_000, output: .capture)
    /// ```
    public static func start(
        _ task: T.Type, _ input: T.Input, executable: WorkerExecutable = .current, output: OutputMode = .inherit,
        maxFrameSize: Int = 64 << 20, logger: Logger = ProcessPool.quietLogger
    ) async throws -> ParallelProcess {
        try InvalidArgumentError.check("maxFrameSize", maxFrameSize, atLeast: 1024)
        let payload: [UInt8]
        let descriptors = DescriptorTable()
        do {
            payload = try WireCodec.encode([input], descriptors: descriptors)
        } catch {
            throw ProcessPoolError.encodingFailed(task: T.name, message: "input: " + WireCodec.message(error))
        }
        let frame = Frame.run(id: 1, task: T.name, count: 1, payload: payload).encoded()
        let limit = maxFrameSize
        let state = LockedValue(State(executable: executable.description))
        let started: Result<Int32, ProcessPoolError> = await withUnsafeContinuation { continuation in
            do throws(ProcessPoolError) {
                // Spawn on the thread that then waits for the child: `PR_SET_PDEATHSIG` ties the
                // child's life to that thread, which lives exactly as long as the child.
                try startServiceThread {
                    let spawned: SpawnedProcess
                    do throws(ProcessPoolError) {
                        spawned = try ProcessSpawner.spawn(
                            executable, frameLimit: limit, hasInitializer: false, capture: output == .capture ? .outputAndError : .none
                        )
                    } catch {
                        continuation.resume(returning: .failure(error))
                        return
                    }
                    continuation.resume(returning: .success(spawned.pid))
                    logger.debug("process started", metadata: ["worker.pid": "\(spawned.pid)", "task": "\(T.name)"])
                    watch(spawned, frame: frame, descriptors: descriptors, limit: limit, state: state, logger: logger)
                }
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
        return ParallelProcess(pid: try started.get(), state: state)
    }

    /// Waits for the child to exit and returns how it ended (`Process.join()`, `exitcode`).
    ///
    /// Cancelling the awaiting task kills the child (SIGKILL) and then returns.
    ///
    /// ```swift
    /// if case .exited(status: 0) = await process.join() { print("done") }
    /// ```
    @discardableResult
    public func join() async -> WorkerExit {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { continuation in
                let done = state.withLock { state in
                    if state.reaped { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            kill()
        }
        return state.withLock { $0.exit } ?? .exited(status: -1)
    }

    /// The task's output, after the child exits. Throws the task's error as
    /// ``ProcessPoolError/taskFailed(task:type:message:)``, a crash as
    /// ``ProcessPoolError/workerCrashed(task:exit:report:)``, a program that exits without serving worker mode
    /// (it does not call ``ProcessWorker/serveIfRequested(_:)``) as
    /// ``ProcessPoolError/spawnFailed(executable:reason:)``, or `CancellationError` (the child is killed).
    ///
    /// ```swift
    /// let sum = try await process.value
    /// ```
    public var value: T.Output {
        get async throws {
            let exit = await join()
            try Task.checkCancellation()
            let outcome = state.withLock { state in
                state.outcome ?? .failure(Self.failure(exit, served: state.served, executable: state.executable, error: state.error))
            }
            let box = RequestBox(count: 1)
            if let descriptors = state.withLock({ $0.descriptors }) { box.attach(descriptors) }
            guard let result = try box.results(outcome, as: T.Output.self, task: T.name).first else {
                throw ProcessPoolError.decodingFailed(task: T.name, message: "the reply held no output")
            }
            return try result.get()
        }
    }

    /// How the child ended, or `nil` while it runs (`Process.exitcode`).
    ///
    /// ```swift
    /// print(process.exitStatus ?? "running")
    /// ```
    public var exitStatus: WorkerExit? { state.withLock { $0.exit } }

    /// What the child wrote to its standard output, when started with ``OutputMode/capture``.
    ///
    /// ```swift
    /// await process.join(); print(process.capturedOutput)
    /// ```
    public var capturedOutput: String { state.withLock { String(decoding: $0.output, as: UTF8.self) } }

    /// What the child wrote to its standard error, when started with ``OutputMode/capture``.
    ///
    /// ```swift
    /// await process.join(); print(process.capturedError)
    /// ```
    public var capturedError: String { state.withLock { String(decoding: $0.error, as: UTF8.self) } }

    /// Sends SIGTERM (`Process.terminate()`); no effect once the child has exited.
    ///
    /// ```swift
    /// process.terminate()
    /// ```
    public func terminate() { signal(SIGTERM) }

    /// Sends SIGKILL (`Process.kill()`); no effect once the child has exited.
    ///
    /// ```swift
    /// process.kill()
    /// ```
    public func kill() { signal(SIGKILL) }

    private func signal(_ number: Int32) {
        // Under the lock and only before the reap, so the pid cannot have been reused.
        state.withLock { state in
            if !state.reaped { sendSignalToChild(pid, number) }
        }
    }

    /// The service thread's work: send the request, read the reply and any captured output until the
    /// child is done, reap it, and wake the waiters.
    private static func watch(
        _ child: SpawnedProcess, frame: [UInt8], descriptors: DescriptorTable, limit: Int, state: LockedValue<State>,
        logger: Logger
    ) {
        var channel = WorkerChannel(input: child.channel, output: child.channel, frameLimit: limit)
        var channelOpen = true
        var outcome: Result<RequestReply, any Error>?
        var replyDescriptors: DescriptorTable?
        do throws(DescriptorPassingError) {
            try channel.send(frame, descriptors: descriptors)
        } catch {
            // The child never gets the request: closing the channel lets it exit.
            outcome = .failure(ProcessPoolError.encodingFailed(task: T.name, message: "input: \(error)"))
            close(child.channel)
            channelOpen = false
        }
        var served = false
        var pipes: [Int32] = [child.output, child.error].compactMap { $0 }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while channelOpen || !pipes.isEmpty {
            var fds = pipes.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if channelOpen {
                let events = Int16(POLLIN) | (channel.wantsWrite ? Int16(POLLOUT) : 0)
                fds.append(pollfd(fd: child.channel, events: events, revents: 0))
            }
            if poll(&fds, nfds_t(fds.count), -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for polled in fds where polled.revents != 0 {
                if channelOpen && polled.fd == child.channel {
                    if polled.revents & Int16(POLLOUT) != 0 { channel.flush() }
                    guard polled.revents & (Int16(POLLIN) | Int16(POLLHUP) | Int16(POLLERR)) != 0 else { continue }
                    let reading = channel.readAvailable(using: &buffer)
                    if outcome == nil, let found = reply(to: reading, served: &served, limit: limit) {
                        outcome = found.0
                        replyDescriptors = found.frame.flatMap { reading.descriptors[$0] }
                    }
                    if reading.closed || outcome != nil {
                        // The answer is in (or the child is gone): closing the channel lets it exit.
                        close(child.channel)
                        channelOpen = false
                    }
                    continue
                }
                let count = buffer.withUnsafeMutableBytes { read(polled.fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count > 0 {
                    let chunk = Array(buffer[0..<count])
                    let isOutput = polled.fd == child.output
                    state.withLock { isOutput ? $0.output.append(contentsOf: chunk) : $0.error.append(contentsOf: chunk) }
                } else {
                    close(polled.fd)
                    pipes.removeAll { $0 == polled.fd }
                }
            }
        }
        let exit = reap(child.pid, blocking: true) ?? .exited(status: -1)
        // Logged before the waiters wake: whoever joined the child finds its end in the log.
        let metadata: Logger.Metadata = ["worker.pid": "\(child.pid)", "task": "\(T.name)"]
        if outcome == nil, case .signaled = exit {
            logger.error("process \(exit) before answering", metadata: metadata)
        } else {
            logger.debug("process \(exit)", metadata: metadata)
        }
        let waiters = state.withLock { state in
            state.reaped = true
            state.exit = exit
            state.served = served
            state.outcome = outcome
            state.descriptors = replyDescriptors
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Why a child that exited without a reply failed: a crash (with the end of its captured standard
    /// error as the report; empty when it wrote to this process's), or, when it ended on its own before
    /// it served worker mode, a program that does not serve it.
    private static func failure(_ exit: WorkerExit, served: Bool, executable: String, error: [UInt8]) -> ProcessPoolError {
        if !served, case .exited = exit {
            return .spawnFailed(executable: executable, reason: ProcessPoolError.notServing("it \(exit) before serving worker mode"))
        }
        let report = String(decoding: error.suffix(WorkerStandardError.reportLimit + WorkerStandardError.tailLimit), as: UTF8.self)
        return .workerCrashed(task: T.name, exit: exit, report: report)
    }

    /// The reply to the request, once a whole frame is in, with the index of its frame in
    /// `reading` (nil for an error the frames themselves make); malformed bytes become an error.
    /// Notes in `served` that the child serves worker mode.
    private static func reply(
        to reading: WorkerChannel.Reading, served: inout Bool, limit: Int
    ) -> (Result<RequestReply, any Error>, frame: Int?)? {
        for (index, frame) in reading.frames.enumerated() {
            switch frame {
            case .outputs(_, let payload): return (.success(.outputs(payload)), index)
            case .results(_, let items): return (.success(.results(items)), index)
            case .failed(_, let reason, let message):
                let failure = PoolSupervisor.Failure.worker(reason, message: message)
                return (.failure(failure.error(task: T.name, executable: "", frameLimit: limit)), nil)
            case .ready, .serving:
                served = true
                continue
            default: return (.failure(ProcessPoolError.channelCorrupted(task: T.name, detail: "an unexpected message")), nil)
            }
        }
        if let corruption = reading.corruption {
            return (.failure(ProcessPoolError.channelCorrupted(task: T.name, detail: corruption.description)), nil)
        }
        return nil
    }
}

/// `kill(2)`, outside the class whose `kill()` hides it.
private func sendSignalToChild(_ pid: Int32, _ signal: Int32) { _ = kill(pid, signal) }
