#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Parallel
import ParallelTestTasks
import Testing

/// A program (`ParallelTestWorker sigint-map …`) started in a process group of its own, as a shell
/// starts a foreground job; this test process is not in that group, so signalling the group spares it.
private struct Job {
    let pid: pid_t
    /// The read end of the program's standard output.
    let output: Int32

    static func start(_ arguments: [String]) throws -> Job {
        // Close-on-exec (dup2 onto 1 clears it there): no other program started meanwhile holds it.
        guard let ends = TestPipe.make() else { throw TestFailure("pipe: \(errno)") }
        let pipeFDs = [ends.read, ends.write]
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipeFDs[0])
        // Its own group (pgid = its pid), set before it runs: no race with the signal.
        posix_spawnattr_setpgroup(&attributes, 0)
        // SIGINT at its default disposition, as a shell leaves it for a foreground job.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF))
        let argv = [TestWorker.path] + arguments
        var cArgv: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArgv { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, TestWorker.path, &actions, &attributes, &cArgv, environ)
        close(pipeFDs[1])
        guard status == 0 else {
            close(pipeFDs[0])
            throw TestFailure("posix_spawn: \(status)")
        }
        return Job(pid: pid, output: pipeFDs[0])
    }

    /// The next line of output (without its newline), nil at the end (blocking: call off the
    /// cooperative pool).
    func readLine() -> String? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(output, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            guard count == 1 else { return line.isEmpty ? nil : String(decoding: line, as: UTF8.self) }
            if byte == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
    }

    /// The rest of the output, then how the program ended (blocking).
    func finish() -> (rest: [String], exit: WaitStatus) {
        var rest: [String] = []
        while let line = readLine() { rest.append(line) }
        close(output)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (rest, WaitStatus(status))
    }
}

/// How a process ended.
private enum WaitStatus: Equatable {
    case exited(Int32)
    case signaled(Int32)

    init(_ status: Int32) {
        self = status & 0x7f == 0 ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f)
    }
}

private struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The process group of `pid`, from `/proc/<pid>/stat`.
private func processGroup(of pid: Int32) -> Int32? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
    return fields.count > 2 ? Int32(fields[2]) : nil
}

/// The pids on a `mid-map 123 456` line.
private func pids(in line: String, after prefix: String) -> [Int32] {
    line.dropFirst(prefix.count).split(separator: " ").compactMap { Int32($0) }
}

@Suite("Ctrl-C: a terminal's SIGINT reaches the program, not its workers", .serialized, .timeLimit(.minutes(1)))
struct CtrlCTests {
    @Test(
        "a program that handles SIGINT sent to its whole group mid-map finishes the map on the same workers, which got no SIGINT, and leaves none behind",
        arguments: ["fork-server", "spawn"]
    )
    func handled(startMethod: String) async throws {
        let job = try Job.start(["sigint-map", "handle", startMethod])
        let midMap = try await toThread { job.readLine() }
        let line = try #require(midMap, "the program printed nothing")
        #expect(line.hasPrefix("mid-map "), "\(line)")
        let workers = pids(in: line, after: "mid-map ")
        #expect(workers.count == 2)
        // The server that forked them (spawned workers have the program as their parent).
        let servers = Set(workers.compactMap(parentOf)).subtracting([job.pid])
        // Not in the program's group: the group's SIGINT does not reach them.
        let groups = workers.map(processGroup(of:))
        #expect(groups.allSatisfy { $0 != nil && $0 != job.pid }, "workers' groups \(groups), the program's \(job.pid)")

        #expect(kill(-job.pid, SIGINT) == 0)   // what a terminal's Ctrl-C does
        let (rest, exit) = try await toThread { job.finish() }
        // Every input ran, on the workers seen mid-map: none died and was replaced.
        #expect(rest == ["interrupted true finished 8 by \(workers.map(String.init).joined(separator: " "))"])
        #expect(exit == .exited(0))
        #expect(await eventually { (workers + servers).allSatisfy { !isRunning($0) } })
    }

    @Test(
        "a program without a SIGINT handler dies of the SIGINT sent to its whole group mid-map, and its workers and fork server die with it",
        arguments: ["fork-server", "spawn"]
    )
    func unhandled(startMethod: String) async throws {
        let job = try Job.start(["sigint-map", "default", startMethod])
        let midMap = try await toThread { job.readLine() }
        let line = try #require(midMap, "the program printed nothing")
        let workers = pids(in: line, after: "mid-map ")
        #expect(workers.count == 2)
        let servers = Set(workers.compactMap(parentOf)).subtracting([job.pid])
        // Not in the program's group: the group's SIGINT does not reach them.
        let groups = workers.map(processGroup(of:))
        #expect(groups.allSatisfy { $0 != nil && $0 != job.pid }, "workers' groups \(groups), the program's \(job.pid)")
        #expect(workers.allSatisfy(isRunning))

        #expect(kill(-job.pid, SIGINT) == 0)
        let (rest, exit) = try await toThread { job.finish() }
        #expect(rest.isEmpty)
        #expect(exit == .signaled(SIGINT))
        #expect(await eventually { (workers + servers).allSatisfy { !isRunning($0) } })
    }
}
