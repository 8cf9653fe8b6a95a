#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
@testable import Parallel
import ParallelTestTasks

/// The `ParallelTestWorker` executable, next to the test binary.
enum TestWorker {
    static let path: String = {
        var candidates: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("ParallelTestWorker").path)
        }
        if let first = CommandLine.arguments.first {
            let url = URL(fileURLWithPath: first).deletingLastPathComponent()
            candidates.append(url.appendingPathComponent("ParallelTestWorker").path)
            candidates.append(url.deletingLastPathComponent().appendingPathComponent("ParallelTestWorker").path)
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.first ?? "ParallelTestWorker"
    }()

    static var executable: WorkerExecutable { .path(path) }
}

/// Whether `pid` is a live (not zombie, not gone) process.
func isRunning(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(close, offsetBy: 2)...].prefix(1)
    return state != "Z" && state != "X"
}

/// Whether `pid` is one of our children still waiting to be reaped (a zombie of ours).
func isOurZombie(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
    return fields.first == "Z" && fields.count > 1 && Int32(fields[1]) == getpid()
}

/// Polls `condition` every 10 ms, at most `limit`: only for watching another process die, which
/// sends us no event. Returns whether the condition became true.
func eventually(within limit: Duration = .seconds(3), _ condition: () -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + limit
    while clock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

/// The parent of `pid`, from `/proc/<pid>/stat`.
func parentOf(_ pid: Int32) -> Int32? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
    return fields.count > 1 ? Int32(fields[1]) : nil
}

/// The live processes whose parent is `pid`.
func childrenOf(_ pid: Int32) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { Int32($0) }.filter { parentOf($0) == pid && isRunning($0) }.sorted()
}

/// This process's live children started with `argument` on their command line.
func ourChildren(runningWith argument: String) -> [Int32] {
    childrenOf(getpid()).filter { pid in
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return data.split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == argument }
    }
}

/// The descriptors process `pid` has open, from `/proc/<pid>/fd`.
func descriptorsOf(_ pid: Int32) -> [Int32] {
    ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []).compactMap { Int32($0) }.sorted()
}

/// Why a ``Marker`` could not be made.
struct MarkerError: Error {
    let reason: String
}

/// A named pipe that a `BlockWhenNegative` worker writes its pid to once it is running the task:
/// the test learns that as an event (`poll` on the pipe's read end, opened before any worker can
/// write), not by polling a file with a deadline that a loaded machine can miss.
final class Marker: Sendable {
    /// The path to pass as `BlockWhenNegative.Input.marker`.
    let path: String
    private let reader: Int32

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("parallel-\(getpid())-\(UInt64.random(in: 0...UInt64.max))").path
        guard mkfifo(path, 0o600) == 0 else { throw MarkerError(reason: "mkfifo \(path): errno \(errno)") }
        reader = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard reader >= 0 else {
            unlink(path)
            throw MarkerError(reason: "open \(path): errno \(errno)")
        }
    }

    deinit {
        close(reader)
        unlink(path)
    }

    /// The pid of the worker that is running the blocking task, or `nil` if none wrote it within
    /// `limit` (generous: it only bounds a wait that ends as soon as the worker writes).
    func blockingWorker(within limit: Duration = .seconds(45)) async -> Int32? {
        let reader = reader
        let milliseconds = Int32(limit.components.seconds * 1_000)
        return try? await toThread { () -> Int32? in
            var text: [UInt8] = []
            var descriptor = pollfd(fd: reader, events: Int16(POLLIN), revents: 0)
            // At most one poll per byte of "<pid>\n" and a few interruptions.
            for _ in 0..<64 where !text.contains(UInt8(ascii: "\n")) {
                let ready = poll(&descriptor, 1, milliseconds)
                if ready < 0 && errno == EINTR { continue }
                guard ready > 0 else { return nil }
                var buffer = [UInt8](repeating: 0, count: 32)
                let count = read(reader, &buffer, buffer.count)
                if count < 0 && (errno == EAGAIN || errno == EINTR) { continue }
                guard count > 0 else { return nil }
                text += buffer[..<count]
            }
            return Int32(String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}

/// Runs the test worker with `arguments` in a process of its own (for checks that other tests of
/// this process would blur) and returns what it printed on standard output and error and how it
/// exited. The blocking wait runs on a thread of the package's own pool, never on one of the
/// cooperative threads.
func runTestWorker(_ arguments: [String]) async throws -> (output: String, errors: String, status: Int32) {
    // Standard error is read on a thread of its own, so that neither pipe can fill up and block it.
    let errors = Pipe()
    let errorReader = errors.fileHandleForReading
    async let errorText = toThread { String(decoding: errorReader.readDataToEndOfFile(), as: UTF8.self) }
    let (text, status) = try await toThread { () throws -> (String, Int32) in
        let checker = Process()
        checker.executableURL = URL(fileURLWithPath: TestWorker.path)
        checker.arguments = arguments
        let output = Pipe()
        checker.standardOutput = output
        checker.standardError = errors
        do {
            try checker.run()
        } catch {
            try? errors.fileHandleForWriting.close()
            throw error
        }
        try? errors.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        checker.waitUntilExit()
        return (text, checker.terminationStatus)
    }
    return (text, try await errorText, status)
}

/// The memory file behind `array`, named by its inode (other suites' arrays have other inodes);
/// nil if `fstat` fails.
func inode(of array: SharedArray<some BitwiseCopyable>) -> UInt64? {
    var status = stat()
    guard fstat(array.descriptor, &status) == 0 else { return nil }
    return UInt64(status.st_ino)
}

/// How many descriptors and mappings process `pid` holds of the memory file `inode`, from
/// `/proc/<pid>/fd` and `/proc/<pid>/maps`.
func holdings(of inode: UInt64, in pid: Int32) -> (descriptors: Int, mappings: Int) {
    let maps = readProcFile("/proc/\(pid)/maps")
    let mappings = maps.split(separator: "\n").count { line in
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        return fields.count > 5 && fields[4] == "\(inode)" && line.contains("memfd:parallel-shared-array")
    }
    let descriptors = descriptorsOf(pid).count { fd in
        let path = "/proc/\(pid)/fd/\(fd)"
        var status = stat()
        return (try? FileManager.default.destinationOfSymbolicLink(atPath: path))?.contains("memfd:parallel-shared-array") == true
            && stat(path, &status) == 0 && UInt64(status.st_ino) == inode
    }
    return (descriptors, mappings)
}

func sharedMemoryNames() -> [String] {
    (try? FileManager.default.contentsOfDirectory(atPath: "/dev/shm")) ?? []
}
