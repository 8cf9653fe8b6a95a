import Foundation

/// The test server in a process of its own (`par serve --port 0`), so that the client being measured
/// has this process and its threads to itself, as Python's client has its own.
struct ServerProcess {
    /// `http://127.0.0.1:<port>`.
    let baseURL: String
    private let process: Process

    /// Starts the server and waits for the line that names its address.
    static func start() throws -> ServerProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0])
        process.arguments = ["serve", "--port", "0"]
        let output = Pipe()
        process.standardOutput = output
        try PythonPeer.withSignalsUnblocked { try process.run() }
        // "Serving on http://127.0.0.1:PORT (routes: …)"; a few reads at most.
        var text = ""
        for _ in 0..<100 where !text.contains("\n") {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let url = text.split(separator: " ").first(where: { $0.hasPrefix("http://") }) else {
            process.terminate()
            process.waitUntilExit()
            throw PeerUnavailable(reason: "par serve printed no address: \(text)")
        }
        return ServerProcess(baseURL: String(url), process: process)
    }

    /// Stops the server and waits for it to exit.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
