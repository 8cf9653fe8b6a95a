//  How one call flows through the process pool (compare CPython's concurrent/futures/process.py):
//
//  caller's task                   PoolCore: under its one lock             service thread (PoolCore+ServiceLoop)
//  -------------                   ----------------------------             -------------------------------------
//  run/submit/map/imap
//  encode inputs, frame it   ----> submit(box): id = nextID (into the frame),
//  (a chunk: one request;          pending[id] = box, PoolSupervisor.submit
//   box = its RequestBox; big      perform(actions):
//   arrays stay where they are)
//                                   .spawn      -> spawnQueue, wake pipe ---> WorkerLauncher.launch (unlocked)
//                                                                             -> workerStarted, channel.connect
//                                   .send       -> WorkerChannel.send: write
//                                                  now, the rest on POLLOUT       poll() (unlocked): wake pipe
//                                   .kill       -> SIGKILL                       + every channel
//                                   .retire     -> channel.closeOutput                 |
//                                        |                                             | readable
//                                        v                                             v
//                            +------------------------+                  channel.readAvailable -> [Frame]
//                            | worker process         |  reply frames    PoolSupervisor.frameReceived, for
//                            | ProcessWorker: read a  | ---------------> each frame -> .deliver / .fail
//                            | frame, run the task,   |                  -> pending[id] leaves the table
//                            | write the reply frame  |                          |
//                            +------------------------+                          v
//  box.complete: decode outputs <--------------------------------------- completions, run after unlock
//  on the caller's thread
//
//  Failures take the same road. A worker's exit: its channel ends (channelClosed), the loop takes its
//  connection out of the table and reaps it unlocked (so no kill can hit a reused pid), then
//  workerExited. A timeout: tick -> .fail + .kill. Garbage: channelCorrupted -> .kill. A caller's
//  cancellation: cancel -> .fail, and .kill (running) or .sendCancel (waiting). The request the
//  worker was running fails with the supervisor's Failure, which one translator
//  (PoolSupervisor.Failure.error) turns into a ProcessPoolError; the requests queued behind it go
//  to the front of the queue; a fresh worker takes the dead one's place.
//
//  Each worker's lifecycle is one enum in the supervisor (PoolSupervisor.Lifecycle: spawning,
//  starting, initializing, ready, retired, killed, failedToInitialize); PoolCore holds only its
//  process and channel.
//
//  Layers (folders of Processes/):
//    Pool/    the API (ProcessPool and its map/imap, handles, errors), PoolCore (lock, request
//             table, performing actions), PoolCore+ServiceLoop (spawn, poll, read, reap),
//             PoolSupervisor (the rules: events in, actions out), RequestBox (one promise per
//             request), WakePipe.
//    Wire/    Frame (the wire format), WireCodec (inputs and outputs), OutgoingFrame (a frame to
//             write: its bytes, and its big arrays, Data and Strings as ByteSegments written from
//             where they are), WorkerChannel (one worker's stream over any pair of byte streams:
//             outbound queue, flushing, readAvailable; a big frame's payload read into a buffer
//             of its own).
//    Worker/  the other side: ProcessWorker serves frames; ProcessTask and TaskRegistry say what
//             it may run.
//    Launch/  how a worker starts: WorkerLauncher, ForkServer, ProcessSpawner, WorkerEnvironment,
//             WorkerProcess (signalling and reaping one), ServiceThread.
//    Hosts/   workers on other machines: WorkerHost (the API), HostLink (the pool's end: a launcher
//             such as ssh and a relay thread that gives each remote worker a channel of two pipes,
//             a status pipe and a stderr pipe, so the loop above treats it as a local one),
//             HostAgent (the program's mode on the other host: it spawns, multiplexes, signals and
//             reaps that host's workers), HostMessage (the link's messages), HostHello (handshake).
//
//      pool loop <-pipes-> HostLink relay <-socket-> ssh ... sshd <-stdio-> HostAgent <-socketpair-> worker
//
//  ParallelProcess (one task in one child) uses Launch/ and a WorkerChannel, without a pool.

import Logging
import CoreMetrics
import Tracing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A pool of worker processes (Python's `multiprocessing.Pool` and `ProcessPoolExecutor`), built to
/// survive its workers.
///
/// Work is a registered ``ProcessTask`` type. A worker that crashes, hangs past its timeout or writes
/// garbage fails only the task it was running, with a typed ``ProcessPoolError``; a fresh worker takes
/// its place and the rest of the work goes on. Cancelling the Swift task that awaits a result stops
/// the remote work too. Workers never outlive the pool: they exit when it shuts down or when this
/// process dies (the fork server that forks them stays for the next pool; see
/// ``StartMethod/forkServer``).
///
/// ```swift
/// try await withProcessPool(workers: 2) { pool in
///     let squares = try await pool.map(Square.self, [1, 2, 3])   // [1, 4, 9]
/// }
/// ```
public final class ProcessPool: Sendable {
    /// When the workers start.
    public enum Start: Sendable {
        /// All workers start with the pool, so the first task does not wait for them.
        case eager
        /// Workers start with the first task.
        case lazy
    }

    /// How the workers' processes are made (Python's start methods).
    ///
    /// ```swift
    /// let pool = try ProcessPool(workers: 2, startMethod: .spawn)
    /// ```
    public enum StartMethod: Sendable {
        /// Each worker is a new process of the executable (`posix_spawn`): the program starts from
        /// scratch, a few milliseconds each.
        case spawn
        /// Workers are forked by a fork server (Python's `forkserver`): a copy of the executable,
        /// started once per process and executable and kept idle at the top of its `main`, forks each
        /// worker in well under a millisecond. The server and its workers die with this process.
        ///
        /// Workers then inherit the server's environment and working directory, fixed when the first
        /// pool of that executable started, and its per-process random seeds (such as Swift's hashing
        /// seed), as with Python's `forkserver`. Linux only; elsewhere, and when the executable cannot serve
        /// as a fork server (it starts a thread or task before ``ProcessWorker/serveIfRequested(_:)``),
        /// workers are spawned.
        ///
        /// The server outlives the pool, for the next one: one process with up to two idle spare
        /// workers and one socket in this process, until this process exits or
        /// ``ProcessPool/stopForkServers()``.
        case forkServer
    }

    let core: PoolCore
    /// The application's metrics and tracer, as the pool uses them.
    let observability: PoolObservability
    /// How many workers the pool keeps.
    public let workerCount: Int
    /// The timeout of calls that give none.
    public let defaultTimeout: Duration?

    /// The number of cores this process may run on (`os.process_cpu_count()`).
    ///
    /// ```swift
    /// let pool = try ProcessPool(workers: ProcessPool.activeCores)
    /// ```
    public static var activeCores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Creates a pool of `workers` processes of `executable`.
    ///
    /// - Parameters:
    ///   - workers: how many processes run tasks at once on this machine (at least 1; 0 if `hosts`
    ///     are given).
    ///   - hosts: other machines where more workers run, reached over `ssh` or another launcher
    ///     (``WorkerHost``); their workers serve the same calls as this machine's. See
    ///     <doc:RunningAcrossMachines>.
    ///   - executable: the worker program; this program by default.
    ///   - initializer: a task each worker runs once when it starts (`initializer=`).
    ///   - maxTasksPerWorker: a worker is replaced after this many requests (`maxtasksperchild`). A
    ///     request is one `run`/`submit` input, or one chunk of a `map`/`imap`: with `chunkSize: 100`,
    ///     a worker recycled every 10 requests has run 1,000 inputs.
    ///   - timeout: the default time limit of each request (again, a whole chunk for `map`/`imap`); a
    ///     worker past it is killed and replaced, failing every input of that request.
    ///   - startTimeout: how long a new worker process may take to start serving worker mode (its
    ///     initializer's time does not count). A worker that does not, or that exits first, fails
    ///     its requests with ``ProcessPoolError/spawnFailed(executable:reason:)``, and so does the
    ///     queue if no other worker serves: the program most likely does not call
    ///     ``ProcessWorker/serveIfRequested(_:)`` first thing in `main`.
    ///   - start: start the workers now (`.eager`) or with the first task (`.lazy`).
    ///   - startMethod: how worker processes are made; forked by a fork server by default.
    ///   - maxFrameSize: the largest message in bytes (at least 1024); bigger inputs or outputs fail with
    ///     ``ProcessPoolError/frameTooLarge(task:size:limit:)``.
    ///   - logger: where the pool reports what happens to its workers, once each (see
    ///     <doc:ProcessPoolGuarantees#Logs>); by default ``quietLogger``, which logs nothing.
    ///   - metrics: where the pool counts its requests, queue and workers (swift-metrics; see
    ///     <doc:ProcessPoolGuarantees#Metrics-and-traces>); the application's `MetricsSystem.factory` by default.
    ///   - tracer: where the pool opens a span for each call and whose context it carries into the
    ///     workers (swift-distributed-tracing); `InstrumentationSystem.tracer` by default.
    /// - Throws: ``InvalidArgumentError`` if `workers` (without hosts) or `maxTasksPerWorker` is less than 1,
    ///   `timeout` or `startTimeout` is not more than zero, or `maxFrameSize` is less than 1024;
    ///   ``ProcessPoolError/spawnFailed(executable:reason:)`` if an eager start fails.
    ///
    /// ```swift
    /// let pool = try ProcessPool(workers: 4, maxTasksPerWorker: 1000, timeout: .seconds(30))
    /// ```
    public init(
        workers: Int = ProcessPool.activeCores,
        hosts: [WorkerHost] = [],
        executable: WorkerExecutable = .current,
        initializer: WorkerInitializer? = nil,
        maxTasksPerWorker: Int? = nil,
        timeout: Duration? = nil,
        startTimeout: Duration = .seconds(10),
        start: Start = .eager,
        startMethod: StartMethod = .forkServer,
        maxFrameSize: Int = 64 << 20,
        logger: Logger = ProcessPool.quietLogger,
        metrics: any MetricsFactory = MetricsSystem.factory,
        tracer: any Tracer = InstrumentationSystem.tracer
    ) throws {
        try InvalidArgumentError.check("workers", workers, atLeast: hosts.isEmpty ? 1 : 0)
        try InvalidArgumentError.check("maxTasksPerWorker", maxTasksPerWorker, atLeast: 1)
        try InvalidArgumentError.checkPositive("timeout", timeout)
        try InvalidArgumentError.checkPositive("startTimeout", startTimeout)
        try InvalidArgumentError.check("maxFrameSize", maxFrameSize, atLeast: 1024)
        workerCount = workers + hosts.reduce(0) { $0 + $1.workers }
        defaultTimeout = timeout
        let observability = PoolObservability(metrics: metrics, tracer: tracer)
        self.observability = observability
        core = try PoolCore(options: .init(
            configuration: .init(
                workers: workerCount, maxTasksPerWorker: maxTasksPerWorker, startTimeout: startTimeout
            ),
            executable: executable,
            frameLimit: maxFrameSize,
            initializer: initializer.map { ($0.task, $0.payload) },
            eager: start == .eager,
            startMethod: startMethod,
            logger: logger,
            observability: observability,
            localWorkers: workers,
            hosts: hosts.map { HostLink(host: $0, tasks: ProcessWorker.registeredNames) }
        ))
    }

    /// A logger that logs nothing: the default, so that a library using a pool stays quiet.
    ///
    /// ```swift
    /// let pool = try ProcessPool(workers: 2, logger: ProcessPool.quietLogger)
    /// ```
    public static let quietLogger = Logger(label: "Parallel.ProcessPool", factory: { _ in SwiftLogNoOpLogHandler() })

    deinit {
        core.beginShutdown(immediately: true)
    }

    /// The process ids of this machine's workers alive now (for monitoring; they change as workers
    /// are replaced). Workers on other hosts (``WorkerHost``) are not listed: their pids are those hosts'.
    ///
    /// A worker being killed (timed out, cancelled, shut down) leaves the list at once, and a reaped
    /// one, whose pid the system may reuse, is never in it. Workers are started by the pool's service
    /// thread, so the list of a pool created a moment ago may still be filling, even with `.eager`.
    ///
    /// ```swift
    /// print(pool.workerProcessIDs)   // [4242, 4243]
    /// ```
    public var workerProcessIDs: [Int32] { core.workerPIDs }

    /// Runs `task` on `input` in a worker and returns its output (`loop.run_in_executor(pool, f, x)`).
    ///
    /// Cancelling the calling Swift task stops the remote work: the worker running it is killed and
    /// replaced. Throws ``ProcessPoolError`` (the task's own error comes back as
    /// ``ProcessPoolError/taskFailed(task:type:message:)``) or `CancellationError`.
    ///
    /// - Throws: ``InvalidArgumentError`` at once if `timeout` (this call's limit; `nil`: the pool's
    ///   default) is not more than zero.
    ///
    /// ```swift
    /// let sum = try await pool.run(SumOfSquares.self, 100_000, timeout: .seconds(5))
    /// ```
    public func run<T: ProcessTask>(_ task: T.Type, _ input: T.Input, timeout: Duration? = nil) async throws -> T.Output {
        try await submit(task, input, timeout: timeout, operation: "run").value
    }

    /// Starts `task` on `input` and returns a handle to await or cancel (`executor.submit`).
    ///
    /// The work is queued at once; failures (including encoding the input) surface when awaiting
    /// ``ProcessTaskHandle/value``.
    ///
    /// - Throws: ``InvalidArgumentError`` if `timeout` (this call's limit; `nil`: the pool's default)
    ///   is not more than zero; nothing is queued.
    ///
    /// ```swift
    /// let handle = try pool.submit(Square.self, 7)
    /// print(try await handle.value)   // 49
    /// ```
    public func submit<T: ProcessTask>(
        _ task: T.Type, _ input: T.Input, timeout: Duration? = nil
    ) throws(InvalidArgumentError) -> ProcessTaskHandle<T.Output> {
        try submit(task, input, timeout: timeout, operation: "submit")
    }

    /// ``submit(_:_:timeout:)`` in a span named after `operation` (`run` or `submit`), ended when the
    /// handle completes.
    private func submit<T: ProcessTask>(
        _ task: T.Type, _ input: T.Input, timeout: Duration?, operation: String
    ) throws(InvalidArgumentError) -> ProcessTaskHandle<T.Output> {
        try InvalidArgumentError.checkPositive("timeout", timeout)
        let span = observability.startSpan(operation, task: T.name)
        var onComplete: (@Sendable (RequestBox) -> Void)?
        if let span {
            onComplete = { box in span.end(box.failure(task: T.name)) }
        }
        let box = submitChunk(task, [input], timeout: timeout, context: span?.context ?? [:], onComplete: onComplete)
        return ProcessTaskHandle(core: core, box: box, task: T.name)
    }

    /// Shuts the pool down after the work already submitted (`shutdown(wait=True)`): new work fails
    /// with ``ProcessPoolError/shutDown(task:)``; returns when every worker has exited and been reaped.
    ///
    /// ```swift
    /// await pool.shutdown()
    /// ```
    public func shutdown() async {
        await core.shutdown(immediately: false)
    }

    /// Shuts the pool down now (`shutdown(cancel_futures=True)`, and more): everything queued or
    /// running fails with ``ProcessPoolError/shutDown(task:)``, the workers are killed and reaped.
    ///
    /// ```swift
    /// await pool.shutdownNow()
    /// ```
    public func shutdownNow() async {
        await core.shutdown(immediately: true)
    }

    /// Encodes `inputs` into one request and queues it.
    func submitChunk<T: ProcessTask>(
        _ task: T.Type, _ inputs: [T.Input], timeout: Duration?, context: [String: String] = [:],
        onComplete: (@Sendable (RequestBox) -> Void)? = nil, beforeSending: ((RequestBox) -> Void)? = nil
    ) -> RequestBox {
        let box = RequestBox(count: inputs.count, onComplete: onComplete)
        beforeSending?(box)
        var frame: OutgoingFrame
        let descriptors = DescriptorTable()
        do {
            // Encoded behind the frame's header: the inputs' bytes are written once, where they are
            // sent from (and kept, for a retry, without a second copy).
            let header = Frame.runHeader(task: T.name, count: inputs.count, context: context)
            frame = try WireCodec.encodeFrame(inputs, descriptors: descriptors, prefix: header)
        } catch {
            box.complete(.failure(ProcessPoolError.encodingFailed(task: T.name, message: "input: " + WireCodec.message(error))))
            return box
        }
        frame.patchLength()
        core.submit(
            box, task: T.name, frame: consume frame, descriptors: descriptors.count > 0 ? descriptors : nil,
            timeout: timeout ?? defaultTimeout, retriesAfterHostLoss: T.isIdempotent ? 1 : 0
        )
        return box
    }

    /// Waits for `box`; cancelling the caller cancels the request.
    func wait(for box: RequestBox) async -> Result<RequestReply, any Error> {
        await withTaskCancellationHandler {
            await box.wait()
        } onCancel: { [core] in
            core.cancel(box)
        }
    }
}

/// Runs `body` with a new pool and always cleans up (`with Pool() as pool:`): on return the pool
/// finishes its work and shuts down; on a thrown error or cancellation it shuts down at once. Either
/// way every worker of the pool has exited and been reaped, and every descriptor of the pool's is
/// closed, when this returns. The fork server (``ProcessPool/StartMethod/forkServer``) stays for the
/// next pool, until ``ProcessPool/stopForkServers()`` or the end of this process.
///
/// `body` runs in the caller's isolation (`isolation`, the caller's actor by default), as the body
/// of `withTaskGroup` does: a main-actor `main()` or an actor method passes an ordinary closure,
/// which may use the caller's state.
///
/// The arguments are those of ``ProcessPool/init(workers:hosts:executable:initializer:maxTasksPerWorker:timeout:startTimeout:start:startMethod:maxFrameSize:logger:metrics:tracer:)``.
///
/// - Throws: ``InvalidArgumentError`` before anything starts if an argument is out of range (see the
///   initializer); otherwise what the pool's start or `body` throws.
///
/// ```swift
/// let squares = try await withProcessPool(workers: 2) { pool in
///     try await pool.map(Square.self, [1, 2, 3, 4, 5])
/// }
/// ```
@discardableResult
public func withProcessPool<Result>(
    workers: Int = ProcessPool.activeCores,
    hosts: [WorkerHost] = [],
    executable: WorkerExecutable = .current,
    initializer: WorkerInitializer? = nil,
    maxTasksPerWorker: Int? = nil,
    timeout: Duration? = nil,
    startTimeout: Duration = .seconds(10),
    start: ProcessPool.Start = .eager,
    startMethod: ProcessPool.StartMethod = .forkServer,
    maxFrameSize: Int = 64 << 20,
    logger: Logger = ProcessPool.quietLogger,
    metrics: any MetricsFactory = MetricsSystem.factory,
    tracer: any Tracer = InstrumentationSystem.tracer,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (ProcessPool) async throws -> Result
) async throws -> Result {
    let pool = try ProcessPool(
        workers: workers, hosts: hosts, executable: executable, initializer: initializer,
        maxTasksPerWorker: maxTasksPerWorker, timeout: timeout, startTimeout: startTimeout, start: start,
        startMethod: startMethod, maxFrameSize: maxFrameSize, logger: logger, metrics: metrics, tracer: tracer
    )
    do {
        let result = try await body(pool)
        await pool.shutdown()
        return result
    } catch {
        await pool.shutdownNow()
        throw error
    }
}
