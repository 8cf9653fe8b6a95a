/// The task types a worker may run, by name; the same list serves the parent and its workers.
///
/// A worker runs only the names registered here: a message naming anything else gets
/// ``ProcessPoolError/unknownTask(_:)`` back, so nothing outside this list can make a worker execute
/// code.
///
/// ```swift
/// let registry = TaskRegistry([Square.self, Fib.self])
/// await ProcessWorker.serveIfRequested(registry)
/// ```
public struct TaskRegistry: Sendable {
    let runners: [String: TaskRunner]

    /// Registers `tasks`; their names must be distinct (a repeated name is a programming error).
    ///
    /// ```swift
    /// let registry = TaskRegistry([Square.self])
    /// ```
    public init(_ tasks: [any ProcessTask.Type]) {
        var runners: [String: TaskRunner] = [:]
        for task in tasks {
            let runner = TaskRunner(task)
            precondition(runners[runner.name] == nil, "two task types are registered under the name \(runner.name)")
            runners[runner.name] = runner
        }
        self.runners = runners
    }

    /// The names of the registered tasks, sorted.
    ///
    /// ```swift
    /// print(registry.names)   // ["Fib", "Square"]
    /// ```
    public var names: [String] { runners.keys.sorted() }
}

/// Runs one registered task type on encoded inputs, inside a worker.
struct TaskRunner: Sendable {
    let name: String
    /// Decodes `count` inputs from `payload` (their ``SharedArray``s from `descriptors`), releases
    /// the payload's bytes (it is left empty: the inputs hold what the task needs), runs the task on
    /// each input in order and returns the reply as it goes on the wire, with the descriptors of its
    /// ``SharedArray``s.
    let run: @Sendable (_ id: UInt64, _ count: Int, _ payload: inout [UInt8], _ descriptors: DescriptorTable?) async
        -> (reply: OutgoingFrame, descriptors: DescriptorTable?)

    init<T: ProcessTask>(_ task: T.Type) {
        let name = T.name
        self.name = name
        run = { id, count, payload, received in
            let inputs: [T.Input]
            do {
                inputs = try WireCodec.decode([T.Input].self, from: payload, descriptors: received)
            } catch {
                return (OutgoingFrame(bytes: Frame.failed(id: id, reason: .decodingFailed, message: "input: " + WireCodec.message(error)).encoded()), nil)
            }
            SpareBuffers.shared.keep(&payload)
            guard inputs.count == count else {
                return (OutgoingFrame(bytes: Frame.failed(id: id, reason: .decodingFailed, message: "expected \(count) inputs, got \(inputs.count)").encoded()), nil)
            }
            var outputs: [T.Output] = []
            outputs.reserveCapacity(count)
            var failures: [Int: Frame.ItemResult] = [:]
            // A plain index loop: this code runs unspecialized, where `enumerated()` would look up
            // tuple metadata for every input.
            var index = 0
            for input in inputs {
                do {
                    outputs.append(try await T.run(input))
                } catch {
                    failures[index] = .failure(type: String(reflecting: type(of: error)), message: String(describing: error))
                }
                index += 1
            }
            var reply: OutgoingFrame
            let descriptors = DescriptorTable()
            do {
                if failures.isEmpty {
                    // Encoded behind the frame's header, big arrays left where they are: the
                    // outputs' bytes are copied once at most, into the socket.
                    reply = try WireCodec.encodeFrame(outputs, descriptors: descriptors, prefix: Frame.outputsHeader(id: id))
                    reply.patchLength()
                } else {
                    var items: [Frame.ItemResult] = []
                    var next = outputs.makeIterator()
                    for index in 0..<count {
                        if let failure = failures[index] {
                            items.append(failure)
                        } else if let output = next.next() {
                            items.append(.success(try WireCodec.encode(output, descriptors: descriptors)))
                        }
                    }
                    reply = OutgoingFrame(bytes: Frame.results(id: id, items: items).encoded())
                }
            } catch {
                return (OutgoingFrame(bytes: Frame.failed(id: id, reason: .encodingFailed, message: "output: " + WireCodec.message(error)).encoded()), nil)
            }
            return (reply, descriptors.count > 0 ? descriptors : nil)
        }
    }
}
