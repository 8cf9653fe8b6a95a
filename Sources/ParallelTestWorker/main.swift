// The worker executable of the process tests. Worker mode first, then one test mode:
// `ParallelTestWorker parent <workers>` starts a pool, prints its worker pids on one line and waits
// to be killed (the "parent dies" test).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Parallel
import ParallelTestTasks

await ProcessWorker.serveIfRequested(testRegistry)

let arguments = CommandLine.arguments
if arguments.count >= 2, arguments[1] == "parent" {
    let workers = arguments.count >= 3 ? Int(arguments[2]) ?? 2 : 2
    let pool = try ProcessPool(workers: workers)
    // Make sure every worker is up before reporting.
    _ = try await pool.map(WorkerPID.self, Array(0..<(workers * 4)), chunkSize: 1)
    print(pool.workerProcessIDs.map(String.init).joined(separator: " "))
    fflush(nil)
    while true { pause() }
}
print("usage: ParallelTestWorker parent [workers]")
exit(64)
