#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Parallel

/// Round trips per second of a one-byte message to another thread and back over a Unix socket pair,
/// in plain system calls: the floor under any cross-process request on this machine, whatever the
/// library (each round trip wakes a sleeping thread twice, usually on the other core).
func socketPingPong(_ count: Int) async throws -> Double {
    try await spawnThread(name: "ping") { () throws -> Double in
        var fds: [Int32] = [-1, -1]
        #if canImport(Darwin)
        let type = SOCK_STREAM
        #else
        let type = Int32(SOCK_STREAM.rawValue)
        #endif
        guard socketpair(AF_UNIX, type, 0, &fds) == 0 else { throw PeerUnavailable(reason: "socketpair failed") }
        let (near, far) = (fds[0], fds[1])
        let echo = try spawnThread(name: "pong") {
            var byte: UInt8 = 0
            while read(far, &byte, 1) == 1 { _ = write(far, &byte, 1) }
            close(far)
        }
        var byte: UInt8 = 1
        let start = ContinuousClock.now
        for _ in 0..<count {
            _ = write(near, &byte, 1)
            _ = read(near, &byte, 1)
        }
        let elapsed = start.duration(to: .now)
        close(near)
        try echo.join()
        return Double(count) / Measure.seconds(elapsed)
    }.value
}
