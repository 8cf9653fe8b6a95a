// The worker executable of the process tests. Worker mode first, then one test mode:
// `ParallelTestWorker parent <workers>` starts a pool, prints its worker pids on one line and waits
// to be killed (the "parent dies" test); `ParallelTestWorker leaks` runs a pool through crashes,
// timeouts and garbage, shuts it down and prints what the OS still holds of it (the "nothing left
// behind" test: alone in its own process, so no other test's descriptors can blur the count);
// `ParallelTestWorker fork-servers` prints what pools leave of their fork server, before and after
// `ProcessPool.stopForkServers()` (alone too, for the same reason);
// `ParallelTestWorker crash-storm fork-server|spawn [count]` runs a pool through a crash per ten tasks
// and prints what the errors carried (the "crash storm" test counts its standard error's lines);
// `ParallelTestWorker sigint-map handle|default [spawn]` is a program that gets a terminal's Ctrl-C mid-map
// (the "Ctrl-C" tests): it prints `mid-map <worker pids>` once the map's first result is in, and the
// test then sends SIGINT to this program's whole process group. With `handle` it has a SIGINT handler,
// lets the map finish and prints `interrupted <true|false> finished <count> by <pids>`, the workers
// that ran the map; with `default` SIGINT kills it. Its workers are forked by a fork server, or
// spawned with `spawn`.
// Started with `--in-memory-tracer` among its arguments, its spans go to an `InMemoryTracer` (the
// tracing tests' workers). Started with `late` as its first argument, it starts a thread before serving worker mode: such a
// program cannot be a fork server (the "fork server refuses" test). With `exits-without-serving` or
// `never-serves`, it is a program that does not call `serveIfRequested` (the "start failures" tests).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import InMemoryTracing
import Parallel
import ParallelTestTasks
import Tracing

// Programs that forgot to serve worker mode: one does its own work and exits, one runs forever.
if CommandLine.arguments.dropFirst().first == "exits-without-serving" { exit(0) }
if CommandLine.arguments.dropFirst().first == "never-serves" {
    while true { pause() }
}
if CommandLine.arguments.dropFirst().first == "late" {
    let never = try Parallel.Semaphore(value: 0)
    _ = try spawnThread(name: "late") { _ = try never.acquire() }
}
// A worker of the tracing tests: its spans go to an in-memory tracer (the bootstrap starts no thread).
if CommandLine.arguments.contains("--in-memory-tracer") { InstrumentationSystem.bootstrap(InMemoryTracer()) }
// Another build of the program, as the hosts tests' handshake sees it: fewer tasks.
if getenv("PARALLEL_TEST_OTHER_BUILD") != nil { await ProcessWorker.serveIfRequested(TaskRegistry([Square.self])) }
await ProcessWorker.serveIfRequested(testRegistry)

let arguments = CommandLine.arguments

/// The entries of a `/proc` directory, less `.` and `..`.
func entries(of path: String) -> [String] {
    guard let directory = opendir(path) else { return [] }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}

/// The descriptors open in this process, from `/proc/self/fd` (less the one reading it).
func descriptorCount() -> Int { entries(of: "/proc/self/fd").count - 1 }

/// Whether `pid` is a live process (not gone, not a zombie).
func isAlive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0, let file = fopen("/proc/\(pid)/stat", "r") else { return false }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 512)
    guard fgets(&line, Int32(line.count), file) != nil else { return false }
    let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    guard let close = text.lastIndex(of: ")") else { return false }
    let state = text[text.index(close, offsetBy: 2)...].prefix(1)
    return state != "Z" && state != "X"
}

/// The live children of `pid`: every process whose parent (field 4 of `/proc/<pid>/stat`, the
/// parent's process id) it is. Not `/proc/<pid>/task/<tid>/children`: that lists a child under the
/// thread that started it, and one whose thread has just exited (a pool's service thread, which
/// starts the fork server) is missing from every list until it is handed to another thread.
func children(of pid: Int32) -> [Int32] {
    entries(of: "/proc").compactMap(Int32.init).filter { child in
        guard let file = fopen("/proc/\(child)/stat", "r") else { return false }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 512)
        guard fgets(&line, Int32(line.count), file) != nil else { return false }
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return false }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 1 && Int32(fields[1]) == pid
    }.filter(isAlive)
}

/// Waits, at most two seconds, for `condition`: only for watching other processes die.
func eventually(_ condition: () -> Bool) -> Bool {
    for _ in 0..<200 {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}
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
if arguments.count >= 2, arguments[1] == "fork-servers" {
    // What a pool leaves of its fork server, and that stopForkServers takes it away; twice, so a
    // stopped server is started again by the next pool. One line per round.
    try await withProcessPool(workers: 1, startMethod: .spawn) { pool in
        _ = try? await pool.run(Hang.self, 30, timeout: .milliseconds(10))
    }
    try await Task.sleep(for: .milliseconds(1))
    let before = descriptorCount()
    let me = getpid()
    for round in 1...2 {
        let workers = try await withProcessPool(workers: 2) { pool in
            Set(try await pool.map(WorkerPID.self, Array(0..<8), chunkSize: 1))
        }
        let servers = children(of: me)
        // The server forks its spares once idle for a few milliseconds.
        _ = eventually { servers.allSatisfy { children(of: $0).count == 2 } }
        let spares = servers.flatMap { children(of: $0) }
        let kept = "workers \(workers.filter(isAlive).count) servers \(servers.count) spares \(spares.count) descriptors +\(descriptorCount() - before)"
        ProcessPool.stopForkServers()
        let serversGone = servers.allSatisfy { !isAlive($0) }
        let sparesGone = eventually { spares.allSatisfy { !isAlive($0) } }
        print("round \(round): \(kept); stopped: servers gone \(serversGone) spares gone \(sparesGone) children \(children(of: me).count) descriptors +\(descriptorCount() - before)")
    }
    exit(0)
}
if arguments.count >= 3, arguments[1] == "crash-storm" {
    // 1,000 tasks, every tenth aborts its worker, then one task writes a line on standard error:
    // prints how many failed as crashes, how many of those carry a crash report, and how many
    // succeeded. The test counts the lines this program left on its standard error.
    let method: ProcessPool.StartMethod = arguments[2] == "spawn" ? .spawn : .forkServer
    let count = arguments.count > 3 ? Int(arguments[3]) ?? 1_000 : 1_000
    let pool = try ProcessPool(workers: 2, startMethod: method)
    let results = try await pool.mapResults(AbortEveryTenth.self, Array(0..<count), chunkSize: 1)
    var crashes = 0
    var reports = 0
    var succeeded = 0
    for result in results {
        switch result {
        case .success: succeeded += 1
        case .failure(.workerCrashed(_, .signaled(SIGABRT), let report)):
            crashes += 1
            if report.contains("Program crashed: Aborted") { reports += 1 }
        case .failure: break
        }
    }
    _ = try await pool.run(Whisper.self, 7)
    await pool.shutdown()
    print("crashes \(crashes) reports \(reports) succeeded \(succeeded)")
    exit(0)
}
if arguments.count >= 4, arguments[1] == "host-pool" {
    // A program whose pool has one worker behind a host link (this program as the agent, through
    // `sh`, which records the agent's pid in arguments[2]), blocked in a task that tells the
    // named pipe arguments[3]: the test kills this program and looks for what is left.
    let agent = try WorkerHost.command(
        ["sh", "-c", "echo $$ > '\(arguments[2])'; exec '\(CommandLine.arguments[0])' --parallel-host-agent"], workers: 1, name: "recorded"
    )
    let pool = try ProcessPool(workers: 0, hosts: [agent])
    _ = try await pool.run(BlockWhenNegative.self, .init(n: -1, marker: arguments[3]))
    exit(0)
}
if arguments.count >= 5, arguments[1] == "ssh-pool" {
    // The same over ssh: arguments[2] the ssh_config, arguments[3] the host, arguments[4] the pipe.
    let host = try WorkerHost.ssh(arguments[3], workers: 1, program: CommandLine.arguments[0], options: ["-F", arguments[2]])
    let pool = try ProcessPool(workers: 0, hosts: [host])
    _ = try await pool.run(BlockWhenNegative.self, .init(n: -1, marker: arguments[4]))
    exit(0)
}
if arguments.count >= 3, arguments[1] == "sigint-map" {
    let handle = arguments[2] == "handle"
    if handle, !Interrupts.install() { exit(70) }
    let pool = try ProcessPool(workers: 2, startMethod: arguments.contains("spawn") ? .spawn : .forkServer)
    var finished = 0
    var ranBy: Set<Int32> = []
    for try await pid in try pool.imap(NapPID.self, Array(repeating: 400, count: 8)) {
        finished += 1
        ranBy.insert(pid)
        if finished == 1 {
            print("mid-map \(pool.workerProcessIDs.sorted().map(String.init).joined(separator: " "))")
            fflush(nil)
        }
    }
    // The map is done; the test sends SIGINT once it reads `mid-map`, which on a loaded machine can
    // be after the map's end: wait for it (the workers are still alive until the shutdown below).
    // The bound is generous because the wait ends as soon as the signal comes.
    let interrupted = Interrupts.wait(milliseconds: 45_000)
    await pool.shutdown()
    print("interrupted \(interrupted) finished \(finished) by \(ranBy.sorted().map(String.init).joined(separator: " "))")
    exit(0)
}
print("usage: ParallelTestWorker parent [workers] | leaks | fork-servers | crash-storm fork-server|spawn | sigint-map handle|default [spawn]")
exit(64)
