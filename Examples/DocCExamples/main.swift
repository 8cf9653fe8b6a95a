// A program built from the DocC articles' examples (Sources/Parallel/Parallel.docc and
// Sources/ParallelHTTP/ParallelHTTP.docc), as a user
// writes one. The articles show some examples as top-level code (a `main.swift`), so this is one:
// top-level code runs on the main actor, as a `@main` type's `main()` does. The examples that are
// whole `@main` programs are the targets GettingStartedApp and FromPythonApp. CI builds every
// target with warnings as errors; `DocCExamples --run` runs the examples, without it nothing runs.
import Foundation
import Parallel

await ProcessWorker.serveIfRequested(TaskRegistry([Square.self, SlowSquare.self, SumOfSquares.self, Hang.self]))
guard CommandLine.arguments.contains("--run") else { exit(0) }

// MARK: Parallel.md (the catalog's overview)

import Parallel

struct Square: ProcessTask {
    static func run(_ n: Int) async throws -> Int { n * n }
}

await ProcessWorker.serveIfRequested(TaskRegistry([Square.self]))   // first: a worker serves here

let squares = try await withProcessPool(workers: 2) { pool in
    try await pool.map(Square.self, [1, 2, 3, 4, 5])
}
print(squares)   // [1, 4, 9, 16, 25]

// MARK: FromPython.md, top-level examples

struct SlowSquare: ProcessTask {
    static func run(_ n: Int) async throws -> Int {
        try await Task.sleep(for: .milliseconds(100))   // simulated work
        return n * n
    }
}

let results = try await withProcessPool { pool in
    try await pool.map(SlowSquare.self, [1, 2, 3, 4, 5])
}
print("Results: \(results)")   // Results: [1, 4, 9, 16, 25]

struct SumOfSquares: ProcessTask {
    static func run(_ n: Int) async throws -> Int {
        var total = 0
        for i in 0..<n { total += i * i }
        return total
    }
}

let sums = try await withProcessPool(workers: 2) { pool in
    async let a = pool.run(SumOfSquares.self, 100_000)
    async let b = pool.run(SumOfSquares.self, 200_000)
    async let c = pool.run(SumOfSquares.self, 150_000)
    return try await [a, b, c]
}
print(sums)   // [333328333350000, 2666646666700000, 1124988750025000]

// The URLs the fetchAll example fetches: one that refuses at once, so running it stays local.
let urls = ["http://127.0.0.1:1/"]
import ParallelHTTP

let batch = try await fetchAll(urls, maxConcurrent: 10)
for (url, result) in zip(urls, batch.results) {
    switch result {
    case .success(let response): print(url, response.status.code, try response.text().count, "characters")
    case .failure(let error): print(url, "Error: \(error)")
    }
}
print("Completed in \(batch.elapsed)")   // the slowest request, not the sum

// MARK: The other examples, each in a main-actor function (blocking ones in synchronous functions)

try gettingStartedThreadPool()
try await gettingStartedToThread()
try gettingStartedThread()
try await gettingStartedGather()
try await gettingStartedTimeout()
try await choosingAModelHybrid()
try await processPoolGuaranteesTimeout()
try fromPythonThreadPool()
try fromPythonThreads()
try await fromPythonGather()
try await fromPythonOneThreadLoop()
try await fromPythonGenerator()
try fromPythonAsCompletedAndWait()
try await fromPythonTimeout()
try await fromPythonToThread()
try await fromPythonAsyncQueue()
try fromPythonThreadSynchronisation()
try await fromPythonConcurrentMap()
await parallelHTTPOverview()
try await runningAcrossMachinesHere()
_ = try runningAcrossMachinesLaunchers()

/// A task the guarantees article's timeout example runs (as README.md defines it).
struct Hang: ProcessTask {
    static func run(_ seconds: Int) async throws -> Int {
        try await Task.sleep(for: .seconds(seconds))
        return seconds
    }
}

// GettingStarted.md

@MainActor func gettingStartedThreadPool() throws {
    let executor = try ThreadPoolExecutor(maxWorkers: 3)
    let future = try executor.submit { "Executed in thread Thread-1" }
    print(try future.result(timeout: .seconds(5)))   // blocks this thread; `try await future.value` in async code
    executor.shutdown(wait: true)
}

@MainActor func gettingStartedToThread() async throws {
    let total = try await toThread { (1...1_000).reduce(0, +) }   // 500500, computed on a pool thread
    print(total)
}

@MainActor func gettingStartedThread() throws {
    let worker = try spawnThread(name: "Thread-0") { 6 * 7 }
    print(try worker.join())   // 42; in async code: try await worker.value
}

@MainActor func gettingStartedGather() async throws {
    let (name, answer) = try await gather(
        { "Ada" },
        { 6 * 7 }
    )

    let results = try await gather((1...3).map { n in
        { @Sendable in
            try await Task.sleep(for: .milliseconds(100 * n))
            return "result from Task-\(n)"
        }
    })   // all three in about 0.3 s, in argument order
    print(name, answer, results)
}

@MainActor func gettingStartedTimeout() async throws {
    let page = try await withTimeout(.seconds(5)) { "<html>…</html>" }
    let lengths = try await ["a", "bb", "ccc"].concurrentMap(maxConcurrency: 2) { $0.count }
    print(page, lengths)
}

// ChoosingAModel.md and ProcessPoolGuarantees.md: examples that run inside a pool's scope

@MainActor func choosingAModelHybrid() async throws {
    try await withProcessPool(workers: 2) { pool in
        let sums = try await gather(
            { try await pool.run(SumOfSquares.self, 100_000) },
            { try await pool.run(SumOfSquares.self, 200_000) }
        )
        print(sums)
    }
}

@MainActor func processPoolGuaranteesTimeout() async throws {
    try await withProcessPool(workers: 2) { pool in
        do {
            _ = try await pool.run(Hang.self, 60, timeout: .milliseconds(50))
        } catch ProcessPoolError.timedOut(let task, let after) {
            print("\(task) took longer than \(after)")   // Hang took longer than 0.05 seconds
        }
    }
}

// FromPython.md

@MainActor func fromPythonThreadPool() throws {
    let executor = try ThreadPoolExecutor(maxWorkers: 3)
    let future = try executor.submit { "Executed in thread Thread-1" }
    print(try future.result(timeout: .seconds(5)))   // blocks this thread; `try await future.value` in async code
    executor.shutdown(wait: true)
}

@MainActor func fromPythonThreads() throws {
    let workers = try (0..<3).map { index in
        try spawnThread(name: "Thread-\(index)") { index * index }
    }
    let squares = try workers.map { try $0.join() }   // [0, 1, 4]; from async code: try await $0.value
    print(squares)
}

@MainActor func fromPythonGather() async throws {
    @Sendable func worker(_ name: String, _ delay: Duration) async throws -> String {
        try await Task.sleep(for: delay)   // a non-blocking pause
        return "Result from \(name)"
    }

    let results = try await gather(
        { try await worker("Task-1", .seconds(2)) },
        { try await worker("Task-2", .seconds(1)) },
        { try await worker("Task-3", .seconds(3)) }
    )   // about 3 s in all, results in argument order
    print(results)
}

@MainActor func fromPythonOneThreadLoop() async throws {
    let loop = try ThreadPoolExecutor(maxWorkers: 1, threadNamePrefix: "loop")
    let results = try await withTaskExecutorPreference(loop) {
        try await gather({ "a" }, { "b" })   // both run on "loop_0"
    }
    await loop.shutdown()
    print(results)
}

@MainActor func fromPythonGenerator() async throws {
    let values = AsyncGenerator<Int, any Error> { yield in
        for i in 0..<5 {
            try await Task.sleep(for: .milliseconds(500))
            try await yield(i)
        }
    }
    for try await value in values {
        print("Received value: \(value)")
    }
}

@MainActor func fromPythonAsCompletedAndWait() throws {
    let executor = try ThreadPoolExecutor(maxWorkers: 4)
    defer { executor.shutdown() }

    let futures = try (1...3).map { n in try executor.submit { n * 10 } }
    for completed in try asCompleted(futures, timeout: .seconds(10)) {
        print(try completed.get().result())          // 10, 20, 30 in completion order
    }
    let (done, notDone) = try wait(for: futures, timeout: .seconds(10), returnWhen: .firstException)
    print(done.count, notDone.count)                 // 3 0
}

@MainActor func fromPythonTimeout() async throws {
    let page = try await withTimeout(.seconds(5)) { "<html>…</html>" }
    print(page)
}

@MainActor func fromPythonToThread() async throws {
    let total = try await toThread { (1...1_000).reduce(0, +) }   // 500500
    print(total)
}

@MainActor func fromPythonAsyncQueue() async throws {
    let queue = try AsyncQueue<Int>(maxSize: 10)
    let slots = try AsyncSemaphore(value: 2)
    let producer = Task { for i in 1...3 { try await queue.put(i) } }
    var sum = 0
    for _ in 1...3 {
        sum += try await slots.withPermit { try await queue.get() }
    }
    try await producer.value
    print(sum)
}

@MainActor func fromPythonThreadSynchronisation() throws {
    let ready = Event()
    let slots = try Semaphore(value: 2)
    let barrier = try Barrier(parties: 3, timeout: .seconds(5))
    let threads = try (0..<3).map { _ in
        try spawnThread { () throws -> Bool in
            guard try ready.wait(timeout: .seconds(5)) else { return false }
            guard try slots.acquire(timeout: .seconds(5)) else { return false }
            slots.release()
            try barrier.wait()   // throws BarrierError.broken if a peer times out
            return true
        }
    }
    ready.set()
    let allPassed = try threads.allSatisfy { try $0.join() }   // true
    print(allPassed)
}

@MainActor func fromPythonConcurrentMap() async throws {
    let lengths = try await ["a", "bb", "ccc"].concurrentMap(maxConcurrency: 2) { $0.count }
    print(lengths)
}


// ParallelHTTP.md (the ParallelHTTP catalog's overview); no server listens here when run, so it
// prints the error.

@MainActor func parallelHTTPOverview() async {
    do {
        let text = try await withHTTPSession { session in
            try await session.get("http://127.0.0.1:8080/get").text()
        }
        print(text)
    } catch {
        print("ParallelHTTP overview: \(error)")
    }
}

// MARK: RunningAcrossMachines.md (built, not run: the hosts are the article's; the runnable part
// below uses a launcher on this machine instead of ssh)

@MainActor func runningAcrossMachinesOverview() async throws {
    let hosts = [
        try WorkerHost.ssh("build-1.internal", workers: 4, program: "/opt/app/bin/app"),
        try WorkerHost.ssh("worker@10.0.0.7", workers: 8, program: "/opt/app/bin/app"),
    ]
    let squares = try await withProcessPool(workers: 2, hosts: hosts) { pool in
        try await pool.map(Square.self, Array(1...10_000), chunkSize: 100)
    }
    print(squares.count)
}

@MainActor func runningAcrossMachinesLaunchers() throws -> [WorkerHost] {
    let host = try WorkerHost.ssh("db-7", workers: 2, program: "/opt/app/bin/app", options: ["-F", "/etc/app/ssh_config"])
    let pod = try WorkerHost.command(
        ["kubectl", "exec", "-i", "worker-0", "--", "/app/bin/app", "--parallel-host-agent"],
        workers: 4, name: "worker-0"
    )
    return [host, pod]
}

/// The article's pool with its "host" being this program in agent mode on this machine: the same
/// agent and messages as over ssh.
@MainActor func runningAcrossMachinesHere() async throws {
    let here = try WorkerHost.command(["/proc/self/exe", "--parallel-host-agent"], workers: 2, name: "here")
    let squares = try await withProcessPool(workers: 1, hosts: [here]) { pool in
        try await pool.map(Square.self, Array(1...100))
    }
    print(squares.last ?? 0)   // 10000
}
