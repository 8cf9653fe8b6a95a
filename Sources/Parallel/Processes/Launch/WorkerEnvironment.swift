#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What a parent tells a worker it starts, through one environment variable:
/// `PARALLEL_WORKER=2:<channel fd>:<parent pid>:<frame size cap>:<has initializer>:<fork server>`.
///
/// With `<fork server>` set the process becomes a ``ForkServer`` instead: it forks workers on request,
/// each of which then serves with its own environment.
///
/// The variable is also the guard against a runaway program: a process that carries it but does not
/// serve worker mode refuses to start workers of its own (``ProcessPoolError/workerModeNotServed``).
struct WorkerEnvironment: Equatable, Sendable {
    static let variable = "PARALLEL_WORKER"
    static let version = 2
    /// The descriptor the worker's end of the channel is moved to.
    static let channelDescriptor: Int32 = 3

    var channel: Int32
    var parent: Int32
    var frameLimit: Int
    var hasInitializer: Bool
    /// Serve as a fork server rather than as a worker.
    var forkServer = false

    /// `NAME=value` for the child's environment.
    var assignment: String {
        "\(Self.variable)=\(Self.version):\(channel):\(parent):\(frameLimit):\(hasInitializer ? 1 : 0):\(forkServer ? 1 : 0)"
    }

    /// Parses the variable's value; `nil` if it is not one this version wrote.
    init?(parsing value: String) {
        let fields = value.split(separator: ":").map { Int($0) }
        guard fields.count == 6, fields[0] == Self.version,
              let channel = fields[1], let parent = fields[2], let limit = fields[3], let initializer = fields[4],
              let forkServer = fields[5],
              let channel32 = Int32(exactly: channel), let parent32 = Int32(exactly: parent), limit > 0
        else { return nil }
        self.init(
            channel: channel32, parent: parent32, frameLimit: limit, hasInitializer: initializer == 1,
            forkServer: forkServer == 1
        )
    }

    init(channel: Int32, parent: Int32, frameLimit: Int, hasInitializer: Bool, forkServer: Bool = false) {
        self.channel = channel
        self.parent = parent
        self.frameLimit = frameLimit
        self.hasInitializer = hasInitializer
        self.forkServer = forkServer
    }

    /// The raw value of the variable in this process, if set.
    static var rawValue: String? {
        getenv(variable).map { String(cString: $0) }
    }
}
