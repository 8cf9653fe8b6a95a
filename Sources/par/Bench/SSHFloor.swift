import Foundation
import Parallel

/// What `ssh` itself gives between this machine and a host, measured with `cat` at the other end:
/// the floors under a pool's workers there (one connection, no library in between).
struct SSHFloor {
    let destination: String
    /// Arguments before the destination (`-F config`).
    let options: [String]

    /// `ssh … destination command` with pipes on its standard input and output, started; with
    /// `ready`, returns once the remote shell has said so, so that the connection's setup is not
    /// in what the caller times.
    private func start(_ command: String, ready: Bool = true) throws -> (process: Process, input: FileHandle, output: FileHandle) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ssh"] + WorkerHost.sshOptions + options + ["--", destination, ready ? "echo; exec \(command)" : command]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let reader = output.fileHandleForReading
        if ready {
            guard let line = try reader.read(upToCount: 1), line == Data([10]) else {
                throw PeerUnavailable(reason: "ssh \(destination) did not start \(command)")
            }
        }
        return (process, input.fileHandleForWriting, reader)
    }

    /// Seconds for a fresh connection that runs `true`.
    func connect() throws -> Double {
        let (status, seconds) = try Measure.time { () throws -> Int32 in
            let (process, input, _) = try start("true", ready: false)
            try input.close()
            process.waitUntilExit()
            return process.terminationStatus
        }
        guard status == 0 else { throw PeerUnavailable(reason: "ssh \(destination) true exited \(status)") }
        return seconds
    }

    /// One `ssh … cat` session kept open for round trips, so that rounds of it can alternate with
    /// rounds of the pool's own.
    final class RoundTrips {
        private let process: Process
        private let input: FileHandle
        private let output: FileHandle

        fileprivate init(_ started: (process: Process, input: FileHandle, output: FileHandle)) {
            (process, input, output) = started
        }

        /// Microseconds per 64-byte round trip, one message at a time (the median of `count`).
        func median(_ count: Int) throws -> Double {
            let message = Data(repeating: 7, count: 64)
            var times: [Double] = []
            for _ in 0..<count {
                let start = ContinuousClock.now
                try input.write(contentsOf: message)
                var received = 0
                while received < 64 {
                    guard let data = try output.read(upToCount: 64 - received), !data.isEmpty else {
                        throw PeerUnavailable(reason: "ssh cat ended")
                    }
                    received += data.count
                }
                times.append(Measure.seconds(start.duration(to: .now)) * 1e6)
            }
            times.sort()
            return times[times.count / 2]
        }

        func close() {
            try? input.close()
            process.waitUntilExit()
        }
    }

    /// A `cat` session for round trips.
    func roundTrips() throws -> RoundTrips {
        RoundTrips(try start("cat"))
    }

    /// 64-byte messages per second through `cat` with the writes pipelined (a thread writes while
    /// this one reads).
    func pipelined(_ count: Int) throws -> Double {
        let (process, input, output) = try start("cat")
        let message = Data(repeating: 7, count: 64 * 256)
        let start = ContinuousClock.now
        let writer = try spawnThread(name: "ssh-writer") { () throws -> Void in
            for _ in 0..<(count / 256) { try input.write(contentsOf: message) }
            try input.close()
        }
        var received = 0
        while let data = try output.read(upToCount: 1 << 16), !data.isEmpty { received += data.count }
        let elapsed = Measure.seconds(start.duration(to: .now))
        try writer.join()
        process.waitUntilExit()
        guard received == (count / 256) * 64 * 256 else { throw PeerUnavailable(reason: "ssh cat returned \(received) bytes") }
        return Double(count / 256 * 256) / elapsed
    }

    /// MB/s of `bytes` pushed into `cat > /dev/null` until ssh exits.
    func push(_ bytes: Int) throws -> Double {
        let chunk = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) })
        let (process, input, _) = try start("cat > /dev/null")
        let (status, seconds) = try Measure.time { () throws -> Int32 in
            for _ in 0..<(bytes >> 20) { try input.write(contentsOf: chunk) }
            try input.close()
            process.waitUntilExit()
            return process.terminationStatus
        }
        guard status == 0 else { throw PeerUnavailable(reason: "ssh cat > /dev/null exited \(status)") }
        return Double(bytes) / 1e6 / seconds
    }
}
