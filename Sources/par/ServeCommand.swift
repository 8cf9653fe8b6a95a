import ArgumentParser
import Foundation
import ParallelTestServer

/// `par serve [--host H] [--port N]`: runs the embedded httpbin-style test server alone until Ctrl-C.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the local HTTP test server (/delay, /status, /bytes, /stream, /get…) until Ctrl-C.",
        discussion: "Point a browser, curl or Python's aiohttp at it, e.g. curl http://127.0.0.1:8080/delay/1"
    )

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on; 0 lets the OS choose a free one.")
    var port = 8080

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0…65535, got \(port)") }
    }

    func run() async throws {
        try await TestServer.runUntilInterrupted(host: host, port: port) { server in
            print("Serving on \(server.baseURL) (routes: /delay/{s} /status/{code} /bytes/{n} /stream/{n} /get /post /flaky/{key} /redirect/{n}); Ctrl-C stops it.")
            fflush(nil)  // shown at once even when standard output is a pipe or a file
        }
        print("Stopped.")
    }
}
