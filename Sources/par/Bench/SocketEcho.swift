import Foundation
import Parallel

/// Seconds to send `bytes` to another process over a Unix socket pair and receive them back, in
/// plain system calls: `cat` echoes them, the parent writes from one thread and reads on another.
/// The floor under any payload a task sends and gets back. Throws if the echo differs.
func socketEchoThroughProcess(_ bytes: [UInt8]) async throws -> Double {
    var fds: [Int32] = [-1, -1]
    #if canImport(Darwin)
    let type = SOCK_STREAM
    #else
    let type = Int32(SOCK_STREAM.rawValue)
    #endif
    guard socketpair(AF_UNIX, type, 0, &fds) == 0 else { throw PeerUnavailable(reason: "socketpair failed") }
    let (near, far) = (fds[0], fds[1])
    let cat = Process()
    cat.executableURL = URL(fileURLWithPath: "/bin/cat")
    let farHandle = FileHandle(fileDescriptor: far, closeOnDealloc: true)
    cat.standardInput = farHandle
    cat.standardOutput = farHandle
    try cat.run()
    try farHandle.close()
    defer { close(near) }
    let start = ContinuousClock.now
    let writer = try spawnThread(name: "echo-writer") { () -> Bool in
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return shutdown(near, Int32(SHUT_WR)) == 0 }
            var sent = 0
            while sent < raw.count {
                let count = write(near, base + sent, raw.count - sent)
                guard count > 0 else { return false }
                sent += count
            }
            return shutdown(near, Int32(SHUT_WR)) == 0
        }
    }
    let received = try await spawnThread(name: "echo-reader") { () -> [UInt8] in
        [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            while initialized < buffer.count {
                let count = read(near, base + initialized, buffer.count - initialized)
                guard count > 0 else { break }
                initialized += count
            }
        }
    }.value
    let elapsed = start.duration(to: .now)
    let wrote = try await writer.value
    cat.waitUntilExit()
    guard wrote, received == bytes else { throw PeerUnavailable(reason: "the socket echo through cat lost bytes") }
    return Measure.seconds(elapsed)
}
