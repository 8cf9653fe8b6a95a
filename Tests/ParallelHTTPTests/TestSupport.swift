import Parallel
import ParallelHTTP
import ParallelTestServer

#if canImport(Glibc)
import Glibc
private let posixConnect = Glibc.connect
private let posixClose = Glibc.close
#elseif canImport(Darwin)
import Darwin
private let posixConnect = Darwin.connect
private let posixClose = Darwin.close
#endif

/// Runs `body` with a fresh test server on 127.0.0.1 and an OS-chosen port, shutting it down after.
func withTestServer<R>(_ body: (TestServer) async throws -> R) async throws -> R {
    let server = try await TestServer.start()
    do {
        let result = try await body(server)
        await server.shutdown()
        return result
    } catch {
        await server.shutdown()
        throw error
    }
}

/// A loopback port nothing listens on: bound to learn a free number, then closed.
func closedPort() -> Int {
    let socket = LoopbackSocket(listenBacklog: nil)
    defer { socket.close() }
    return socket.port
}

/// A TCP socket on 127.0.0.1 with an OS-chosen port; listening with `listenBacklog` when given.
struct LoopbackSocket {
    let descriptor: Int32
    let port: Int

    init(descriptor: Int32) {
        self.descriptor = descriptor
        self.port = 0
    }

    init(listenBacklog: Int32?) {
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        if let listenBacklog { _ = listen(descriptor, listenBacklog) }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        self.descriptor = descriptor
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Opens a connection from a new socket to `port` (blocking); returns the new socket's descriptor.
    static func connect(to port: Int) -> Int32 {
        #if canImport(Glibc)
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let client = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                posixConnect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return client
    }

    func close() {
        _ = posixClose(descriptor)
    }
}

/// A clock whose `sleep` returns at once and records how long it was asked to wait, so retry waits
/// (Retry-After, backoff) can be checked without waiting.
final class RecordingClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let state = LockedValue((now: Instant(offset: .zero), sleeps: [Duration]()))

    var now: Instant { state.withLock { $0.now } }
    var minimumResolution: Duration { .nanoseconds(1) }

    /// The waits asked for, in order.
    var sleeps: [Duration] { state.withLock { $0.sleeps } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        state.withLock { state in
            state.sleeps.append(state.now.duration(to: deadline))
            state.now = max(state.now, deadline)
        }
    }
}
