#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Parallel

extension Demo {
    /// The seed's `multiprocessing.Process(target=worker)`: the child prints its pid, the parent joins it.
    static let process = Demo(name: "process", summary: "a child process prints its PID, the parent joins it") {
        fflush(nil)  // the child shares our standard output: print what we wrote first
        let process = try await ParallelProcess.start(PrintPID.self, 0)
        let exit = await process.join()
        print("(parent: child \(process.pid) \(exit))")
    }
}
