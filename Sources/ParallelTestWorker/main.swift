// The worker executable of the process tests. Worker mode first, then one test mode:
// `ParallelTestWorker parent <workers>` starts a pool, prints its worker pids on one line and waits
// to be killed (the "parent dies" test); `ParallelTestWorker leaks` runs a pool through crashes,
// timeouts and garbage, shuts it down and prints what the OS still holds of it (the "nothing left
// behind" test: alone in its own process, so no other test's descriptors can blur the count).
// Started with `late` as its first argument, it starts a thread before serving worker mode: such a
// program cannot be a fork server (the "fork server refuses" test). With `exits-without-serving` or
// `never-serves`, it is a program that does not call `serveIfRequested` (the "start failures" tests).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Parallel
import ParallelTestTasks

// Programs that forgot to serve worker mode: one does its own work and exits, one runs forever.
if CommandLine.arguments.dropFirst().first == "exits-without-serving" { exit(0) }
if CommandLine.arguments.dropFirst().first == "never-serves" {
    while true { pause() }
}
if CommandLine.arguments.dropFirst().first == "late" {
    let never = try Parallel.Semaphore(value: 0)
    _ = try spawnThread(name: "late") { _ = try never.acquire() }
}
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
if arguments.count >= 2, arguments[1] == "leaks" {
    /// The descriptors open in this process, from `/proc/self/fd` (less the one reading it).
    func descriptorCount() -> Int {
        guard let directory = opendir("/proc/self/fd") else { return -1 }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            if entry.pointee.d_name.0 != UInt8(ascii: ".") { count += 1 }
        }
        return count - 1
    }
    // Warm up first: the runtime opens some descriptors once, lazily (the executor's and the timers'
    // epoll, eventfd and timerfd), and those are not the pool's to close. A pool that leaks would
    // leak again below.
    try await withProcessPool(workers: 1) { pool in
        _ = try? await pool.run(Hang.self, 30, timeout: .milliseconds(10))
    }
    try await Task.sleep(for: .milliseconds(1))
    let before = descriptorCount()
    var pids: Set<Int32> = []
    try await withProcessPool(workers: 2) { pool in
        pids.formUnion(try await pool.map(WorkerPID.self, Array(0..<8), chunkSize: 1))
        _ = try? await pool.run(CrashOnNegative.self, -1)
        _ = try? await pool.run(Hang.self, 30, timeout: .milliseconds(100))
        _ = try? await pool.run(WriteGarbage.self, 0)
        pids.formUnion(try await pool.map(WorkerPID.self, Array(0..<8), chunkSize: 1))
        pids.formUnion(pool.workerProcessIDs)
    }
    // Every worker is gone and reaped: signal 0 finds no process, and waitpid finds no child
    // (a zombie would still be our child).
    var status: Int32 = 0
    let alive = pids.filter { kill($0, 0) == 0 }.sorted()
    let children = pids.filter { waitpid($0, &status, WNOHANG) != -1 }.sorted()
    print("workers \(pids.count) alive \(alive) children \(children) descriptors \(before) \(descriptorCount())")
    exit(0)
}
print("usage: ParallelTestWorker parent [workers] | leaks")
exit(64)
