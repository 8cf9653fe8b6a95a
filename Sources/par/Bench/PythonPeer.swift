import Foundation

/// Runs the Python peer scripts in `Benchmarks/python/` and reads the JSON they print.
struct PythonPeer: Sendable {
    /// The interpreter, e.g. `/usr/bin/python3`.
    let executable: String
    /// The folder holding the peer scripts.
    let scriptsDirectory: String

    /// Finds `python3` on `PATH` and the scripts folder, or says why not.
    static func locate() -> Result<PythonPeer, PeerUnavailable> {
        guard let scripts = scriptsFolder() else {
            return .failure(PeerUnavailable(reason: "Benchmarks/python not found (run par bench from the package folder)"))
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/python3"
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return .success(PythonPeer(executable: candidate, scriptsDirectory: scripts))
            }
        }
        return .failure(PeerUnavailable(reason: "python3 not found on PATH: Python columns skipped"))
    }

    /// Runs `script` with `arguments` and decodes the single JSON object it prints on standard output.
    ///
    /// The script's output maps metric names to numbers, e.g. `{"tasks_per_s": 123456.0}`.
    func run(_ script: String, _ arguments: [String]) throws -> [String: Double] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["\(scriptsDirectory)/\(script)"] + arguments
        let output = Pipe()
        process.standardOutput = output
        try Self.withSignalsUnblocked { try process.run() }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PeerUnavailable(reason: "\(script) \(arguments.joined(separator: " ")) exited with status \(process.terminationStatus)")
        }
        do {
            return try JSONDecoder().decode([String: Double].self, from: data)
        } catch {
            throw PeerUnavailable(reason: "\(script) printed no JSON object of numbers: \(error)")
        }
    }

    /// Runs `body` with no signal blocked on the calling thread, then restores the thread's mask.
    ///
    /// Swift's cooperative threads on Linux are libdispatch workers, which block most signals, and a
    /// spawned process inherits the spawning thread's mask. Python's `Pool.terminate()` stops its
    /// workers with SIGTERM, so with SIGTERM blocked the peer would hang forever at the end of a run.
    static func withSignalsUnblocked<T>(_ body: () throws -> T) rethrows -> T {
        var none = sigset_t()
        var previous = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try body()
    }

    /// `Benchmarks/python` next to the package's sources, or under the current folder.
    private static func scriptsFolder() -> String? {
        var candidates = [FileManager.default.currentDirectoryPath + "/Benchmarks/python"]
        // #filePath is …/Sources/par/Bench/PythonPeer.swift: the package root is three folders up.
        let source = URL(fileURLWithPath: #filePath)
        let root = source.deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.path + "/Benchmarks/python")
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }
}

/// Why a peer's numbers are missing; its description goes into the row's note.
struct PeerUnavailable: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}
