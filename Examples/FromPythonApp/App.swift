// FromPython.md's first program, verbatim.
import Foundation
import Parallel

struct PrintPID: ProcessTask {
    static func run(_ input: Int) async throws -> Int32 {
        let pid = ProcessInfo.processInfo.processIdentifier
        print("Process: \(pid)")   // the child's output passes through, as in Python
        return pid
    }
}

@main
enum App {
    static func main() async throws {
        await ProcessWorker.serveIfRequested(TaskRegistry([PrintPID.self]))

        let process = try await ParallelProcess.start(PrintPID.self, 0)
        let exit = await process.join()   // exited with status 0
        print(exit)
    }
}
