#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Parallel

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

/// A fresh path for `BlockWhenNegative`'s marker file (removed by the caller).
func markerPath() -> String {
    FileManager.default.temporaryDirectory
        .appendingPathComponent("parallel-\(getpid())-\(UInt64.random(in: 0...UInt64.max))").path
}

/// Removes a marker file made by `BlockWhenNegative`, if any.
func removeMarker(_ marker: String) {
    try? FileManager.default.removeItem(atPath: marker)
}

/// The pid a `BlockWhenNegative` worker wrote to `marker` once it started blocking, or `nil` if it
/// did not within `limit`: the proof that a worker is running the task right now.
func blockingWorker(marker: String, within limit: Duration = .seconds(10)) async -> Int32? {
    var pid: Int32?
    _ = await eventually(within: limit) {
        pid = (try? String(contentsOfFile: marker, encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        return pid != nil
    }
    return pid
}

/// Runs the test worker with `arguments` in a process of its own (for checks that other tests of
/// this process would blur) and returns what it printed and how it exited. The blocking wait runs on
/// a thread of the package's own pool, never on one of the cooperative threads.
func runTestWorker(_ arguments: [String]) async throws -> (output: String, status: Int32) {
    try await toThread { () throws -> (output: String, status: Int32) in
        let checker = Process()
        checker.executableURL = URL(fileURLWithPath: TestWorker.path)
        checker.arguments = arguments
        let output = Pipe()
        checker.standardOutput = output
        try checker.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        checker.waitUntilExit()
        return (text, checker.terminationStatus)
    }
}
