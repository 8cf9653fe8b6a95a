#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CParallelShims
import DequeModule
import ServiceContextModule

/// Worker mode: the code a worker process runs instead of the program's own `main`.
///
/// A ``ProcessPool`` or ``ParallelProcess`` starts workers from an executable (this program, by
/// default) with a marker in their environment. Call ``serveIfRequested(_:)`` first thing in `main`:
/// in a worker it serves tasks from the registry and exits, never returning; in every other process it
/// returns at once. This is Python's `if __name__ == "__main__":` guard, made explicit.
///
/// Make it the very first thing, before any thread or task starts: a process stopped there is
/// single-threaded, so it can also serve as the pool's fork server (``ProcessPool/StartMethod/forkServer``),
/// which starts workers many times faster than launching the program anew. Called later, pools still
/// work; their workers are spawned.
///
/// ```swift
/// @main struct App {
///     static func main() async {
///         await ProcessWorker.serveIfRequested(TaskRegistry([Square.self]))
///         // … the program itself …
///     }
/// }
/// ```
public enum ProcessWorker {
    /// Serves worker mode and exits if this process was started as a worker; returns otherwise.
    ///
    /// A worker runs its requests one at a time, in order, and never outlives its parent: on Linux
    /// `PR_SET_PDEATHSIG` kills it the moment the parent dies, even mid-task; elsewhere it exits when
    /// its channel ends, after the task in hand.
    ///
    /// ```swift
    /// await ProcessWorker.serveIfRequested(TaskRegistry([Square.self]))
    /// ```
    ///
    /// It runs on its caller's executor (`nonisolated(nonsending)`): called from `main`, it keeps the
    /// process on its main thread until it knows which role to play.
    nonisolated(nonsending) public static func serveIfRequested(_ registry: TaskRegistry) async {
        // Started on another host by a pool's link (`program --parallel-host-agent`).
        if CommandLine.arguments.count == 2, CommandLine.arguments[1] == HostAgent.flag, WorkerEnvironment.rawValue == nil {
            exit(HostAgent.serve(registry))
        }
        guard let raw = WorkerEnvironment.rawValue else {
            registered.withLock { $0 = registry.names }
            return
        }
        unsetenv(WorkerEnvironment.variable)
        guard var environment = WorkerEnvironment(parsing: raw) else {
            writeStandardError("Parallel worker: unreadable \(WorkerEnvironment.variable)=\(raw); exiting\n")
            exit(64)
        }
        if environment.forkServer {
            #if os(Linux)
            switch ForkServer.serve(environment) {
            case .worker(let forked):
                environment = forked
            case .spare(let socket):
                environment = await ForkServer.assignment(socket, server: getppid())
            }
            #else
            writeStandardError("Parallel worker: fork servers run on Linux only; exiting\n")
            exit(64)
            #endif
        }
        var server = WorkerServer(registry: registry, environment: environment)
        guard server.prepare() else { exit(0) }
        exit(await server.serve())
    }
}

extension ProcessWorker {
    /// The task names this program registered with ``serveIfRequested(_:)`` (nil before it was
    /// called): a pool compares them with those of the program on each of its hosts.
    private static let registered = LockedValue<[String]?>(nil)

    static var registeredNames: [String]? { registered.withLock { $0 } }
}

/// The worker's loop: read frames, run requests in order, write replies.
private struct WorkerServer {
    let registry: TaskRegistry
    let environment: WorkerEnvironment
    var frames: FrameBuffer
    var inbox: Deque<(id: UInt64, task: String, count: Int, payload: [UInt8], context: [String: String], descriptors: DescriptorTable?)> = []
    /// Descriptors received and not yet claimed by a ``Frame/descriptors(count:)`` frame.
    let received = DescriptorTable()
    /// The descriptors announced for the next frame (its ``SharedArray``s).
    var announced: DescriptorTable?
    var cancelled: Set<UInt64> = []
    var initializer: (task: String, payload: [UInt8])?
    var endOfInput = false
    /// Left uninitialized: a fresh worker touches only the pages its frames fill.
    var readBuffer = [UInt8](unsafeUninitializedCapacity: 256 * 1024) { _, count in count = 256 * 1024 }

    init(registry: TaskRegistry, environment: WorkerEnvironment) {
        self.registry = registry
        self.environment = environment
        frames = FrameBuffer(limit: environment.frameLimit)
    }

    var fd: Int32 { environment.channel }

    /// Sets the worker up, still on the thread that called ``ProcessWorker/serveIfRequested(_:)``,
    /// and tells the parent it serves; `false` if the parent is gone already.
    ///
    /// Without an initializer it says `ready` here: the parent's first request then travels while
    /// this process starts its concurrency runtime (the first hop to the global executor, which
    /// starts its threads: a good part of a forked worker's start). With one it says `serving`, and
    /// `ready` once the initializer has run.
    func prepare() -> Bool {
        signal(SIGPIPE, SIG_IGN)
        // Processes the tasks start must not inherit the channel: the parent learns of this worker's
        // death from the channel's end, which a surviving grandchild would hold open.
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        #if os(Linux)
        // Die with the parent even while busy; the check after it closes the race with a parent that
        // died before the call.
        _ = parallel_die_with_parent()
        if getppid() != environment.parent { return false }
        #endif
        SpareBuffers.shared.enable()
        // The parent's start timeout waits for this first word only: an initializer may take long.
        return write(environment.hasInitializer ? .serving : .ready)
    }

    /// Serves until the parent closes the channel; returns the exit status.
    mutating func serve() async -> Int32 {
        if environment.hasInitializer {
            while initializer == nil {
                guard receive(blocking: true) else { return 0 }
            }
            if let (task, payload) = initializer, let failure = await runInitializer(task, payload) {
                write(failure)
                return 1
            }
            guard write(.ready) else { return 0 }
        }
        while true {
            guard receive(blocking: inbox.isEmpty) else { return 0 }
            // Taken out of the inbox: the runner releases the payload once it is decoded.
            guard var request = inbox.popFirst() else { continue }
            if cancelled.remove(request.id) != nil {
                guard write(.cancelled(id: request.id)) else { return 0 }
                continue
            }
            var reply: OutgoingFrame
            var descriptors: DescriptorTable?
            if let runner = registry.runners[request.task] {
                if request.context.isEmpty {
                    (reply, descriptors) = await runner.run(request.id, request.count, &request.payload, request.descriptors)
                } else {
                    // The caller's trace: spans the task opens are children of the pool call's.
                    (reply, descriptors) = await ServiceContext.withValue(TraceCarrier.context(from: request.context)) {
                        await runner.run(request.id, request.count, &request.payload, request.descriptors)
                    }
                }
            } else {
                reply = OutgoingFrame(bytes: Frame.failed(id: request.id, reason: .unknownTask, message: request.task).encoded())
            }
            guard write(encoded: reply, id: request.id, descriptors: descriptors) else { return 0 }
            SpareBuffers.shared.keep(&reply.bytes)
        }
    }

    /// Runs the pool's initializer; the frame to send if it failed.
    func runInitializer(_ task: String, _ payload: [UInt8]) async -> Frame? {
        guard let runner = registry.runners[task] else {
            return .initializerFailed(type: "ProcessPoolError", message: ProcessPoolError.unknownTask(task).description)
        }
        var payload = payload
        let reply = await runner.run(0, 1, &payload, nil).reply.contiguous()
        switch try? Frame.decode(body: reply[Frame.headerSize...]) {
        case .results(_, let items):
            if case .failure(let type, let message) = items.first { return .initializerFailed(type: type, message: message) }
            return nil
        case .failed(_, _, let message):
            return .initializerFailed(type: "ProcessPoolError", message: message)
        default:
            return nil
        }
    }

    /// Reads what is available (waiting for something if `blocking`) and files the frames; `false`
    /// once the parent has closed the channel or broken the protocol.
    mutating func receive(blocking: Bool) -> Bool {
        var waitForData = blocking
        while true {
            let fd = fd
            var descriptors = [Int32](repeating: -1, count: DescriptorTable.limit)
            var descriptorCount: Int32 = 0
            let flags = waitForData ? 0 : Int32(MSG_DONTWAIT)
            func receive(into buffer: UnsafeMutableRawBufferPointer) -> Int {
                descriptors.withUnsafeMutableBufferPointer { fds in
                    parallel_receive_with_fds(
                        fd, buffer.baseAddress, UInt(buffer.count), fds.baseAddress, Int32(fds.count), &descriptorCount, flags
                    )
                }
            }
            // The rest of a big frame is read straight into its buffer; anything else via `readBuffer`.
            let count = frames.receive(receive) ?? readBuffer.withUnsafeMutableBytes { buffer in
                let count = receive(into: buffer)
                if count > 0 { frames.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) }
                return count
            }
            if descriptorCount > 0 { received.append(received: descriptors.prefix(Int(descriptorCount))) }
            if count > 0 {
                waitForData = false
                continue
            }
            if count == 0 { return false }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { break }
            return false
        }
        do {
            while let frame = try frames.next() {
                let descriptors = announced
                announced = nil
                switch frame {
                case .descriptors(let count):
                    // They came with this frame's first byte, so they have all arrived.
                    guard let table = received.removeFirst(count) else {
                        writeStandardError("Parallel worker: \(count) descriptors announced, \(received.count) received; exiting\n")
                        return false
                    }
                    announced = table
                case .run(let id, let task, let count, let payload, let context):
                    inbox.append((id, task, count, payload, context, descriptors))
                case .cancel(let id):
                    if inbox.contains(where: { $0.id == id }) { cancelled.insert(id) }
                case .initialize(let task, let payload):
                    initializer = (task, payload)
                default:
                    writeStandardError("Parallel worker: unexpected message from the parent; exiting\n")
                    return false
                }
            }
        } catch {
            writeStandardError("Parallel worker: \(error); exiting\n")
            return false
        }
        return true
    }

    /// Writes `frame`, replacing it by a `frameTooLarge` failure when over the cap, after a
    /// ``Frame/descriptors(count:)`` frame carrying `descriptors` if there are any; `false` if the
    /// parent is gone.
    @discardableResult
    func write(_ frame: Frame, id: UInt64 = 0, descriptors: DescriptorTable? = nil) -> Bool {
        write(encoded: OutgoingFrame(bytes: frame.encoded()), id: id, descriptors: descriptors)
    }

    /// Writes the encoded frame `frame`, as ``write(_:id:descriptors:)``.
    func write(encoded frame: OutgoingFrame, id: UInt64, descriptors: DescriptorTable?) -> Bool {
        var frame = frame
        let size = frame.count - Frame.headerSize
        if size > environment.frameLimit {
            frame = OutgoingFrame(bytes: Frame.failed(id: id, reason: .frameTooLarge, message: "\(size)").encoded())
        } else if let descriptors, descriptors.count > 0 {
            let fds = descriptors.descriptors
            let announcement = Frame.descriptors(count: fds.count).encoded()
            let sent = announcement.withUnsafeBytes { buffer in
                fds.withUnsafeBufferPointer { fds in
                    parallel_send_with_fds(fd, buffer.baseAddress, UInt(buffer.count), fds.baseAddress, Int32(fds.count))
                }
            }
            guard sent > 0, announcement.withUnsafeBytes({ sendAll(UnsafeRawBufferPointer(rebasing: $0[sent...])) }) else { return false }
        }
        return frame.forEachPiece { sendAll($0) }
    }

    /// Writes all of `buffer`; `false` if the parent is gone.
    func sendAll(_ buffer: UnsafeRawBufferPointer) -> Bool {
        guard let base = buffer.baseAddress else { return true }
        var offset = 0
        while offset < buffer.count {
            let sent = send(fd, base + offset, buffer.count - offset, noSignalFlag)
            if sent > 0 { offset += sent } else if sent < 0 && errno == EINTR { continue } else { return false }
        }
        return true
    }
}

/// Writes `message` to standard error unbuffered (the C `stderr` global is not concurrency-safe).
func writeStandardError(_ message: String) {
    var bytes = Array(message.utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}
