#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Parallel
import ParallelTestTasks
import Testing

#if os(Linux)
@Suite("Fork server", .serialized, .timeLimit(.minutes(1)))
struct ForkServerTests {
    let executable = TestWorker.executable

    @Test("workers are forked by one fork server per executable, our child, which every later pool shares")
    func workersComeFromTheServer() async throws {
        let first = try await withProcessPool(workers: 2, executable: executable) { pool in
            Set(try await pool.map(WorkerPID.self, Array(0..<8), chunkSize: 1))
        }
        let second = try await withProcessPool(workers: 2, executable: executable) { pool in
            Set(try await pool.map(WorkerPID.self, Array(0..<8), chunkSize: 1))
        }
        let servers = Set((first.union(second)).compactMap(parentOf))
        // Every worker has gone (and was reaped) by the time its pool returns, so ask the running ones.
        try await withProcessPool(workers: 2, executable: executable) { pool in
            let pids = Set(try await pool.map(WorkerPID.self, Array(0..<8), chunkSize: 1))
            let parents = Set(pids.compactMap(parentOf))
            #expect(parents.count == 1)
            let server = try #require(parents.first)
            #expect(server != getpid())
            #expect(parentOf(server) == getpid(), "the fork server is this process's child")
            #expect(servers.isSubset(of: [server]), "one server for every pool of this executable")
        }
        #expect(first.isDisjoint(with: second), "each pool has workers of its own")
    }

    @Test("a pool leaves exactly its fork server, two spares and one descriptor; stopForkServers ends them, and the next pool starts anew")
    func forkServerLifecycle() async throws {
        // In a process of its own: stopping the servers here would stop this suite's, and other
        // tests' descriptors would blur the count.
        let (report, _, status) = try await runTestWorker(["fork-servers"])
        #expect(status == 0)
        let kept = "workers 0 servers 1 spares 2 descriptors +1"
        let stopped = "stopped: servers gone true spares gone true children 0 descriptors +0"
        #expect(report.split(separator: "\n").map(String.init) == [
            "round 1: \(kept); \(stopped)", "round 2: \(kept); \(stopped)",
        ])
    }

    @Test("a forked worker holds the same kinds of descriptors as a spawned one: its channel on 3, nothing of the server's")
    func forkedWorkerDescriptors() async throws {
        /// What each descriptor of `pid` is ("socket", "pipe", "anon_inode:[eventpoll]", …), by number.
        func kinds(_ pid: Int32) -> [Int32: String] {
            var result: [Int32: String] = [:]
            for fd in descriptorsOf(pid) {
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")) ?? "?"
                result[fd] = String(target.prefix { $0 != ":" }) == "anon_inode" ? target : String(target.prefix { $0 != ":" })
            }
            return result
        }
        let forked = try await withProcessPool(workers: 1, executable: executable) { pool in
            kinds(try await pool.run(WorkerPID.self, 0))
        }
        let spawned = try await withProcessPool(workers: 1, executable: executable, startMethod: .spawn) { pool in
            kinds(try await pool.run(WorkerPID.self, 0))
        }
        #expect(forked[3] == "socket")
        // Above 3 only what the worker's own runtime opened (its executor's epoll, eventfd, timerfd).
        #expect(forked.filter { $0.key > 3 }.values.allSatisfy { $0.hasPrefix("anon_inode") }, "\(forked)")
        // Up to 3 the same descriptors (standard streams, channel). Above 3 the runtime's own may
        // differ in number: it opens them lazily (a forked spare has started its runtime earlier,
        // and one more was seen in 2 of 10 runs); anything of the server's would not be anon_inode.
        #expect(forked.filter { $0.key <= 3 } == spawned.filter { $0.key <= 3 }, "forked \(forked), spawned \(spawned)")
    }

    @Test("an idle fork server keeps two spares forked in advance, and the next pool's workers are those spares")
    func spares() async throws {
        // A server of its own, so that no other test takes its spares.
        let own = WorkerExecutable.path(TestWorker.path, arguments: ["spares"])
        let (server, first) = try await withProcessPool(workers: 1, executable: own) { pool in
            let pid = try await pool.run(WorkerPID.self, 0)
            return (parentOf(pid), pid)
        }
        let serverPID = try #require(server)
        var waiting: [Int32] = []
        // The first pool's worker may still be the server's child for a moment (exiting, not yet
        // reaped): the spares are two children that are not it. The server hands out its oldest
        // spare first, so one it forks between the next pool's two requests does not take a place.
        #expect(await eventually { waiting = childrenOf(serverPID); return waiting.count == 2 && !waiting.contains(first) })
        let pids = try await withProcessPool(workers: 2, executable: own) { pool in
            Set(try await pool.map(WorkerPID.self, Array(0..<8), chunkSize: 1))
        }
        #expect(pids == Set(waiting))
    }

    @Test("spawn-method workers are this process's children")
    func spawnMethod() async throws {
        try await withProcessPool(workers: 2, executable: executable, startMethod: .spawn) { pool in
            let pids = Set(try await pool.map(WorkerPID.self, Array(0..<8), chunkSize: 1))
            for pid in pids { #expect(parentOf(pid) == getpid()) }
        }
    }

    @Test("a program that starts a thread before serving worker mode refuses to be a fork server; its workers are spawned and work")
    func refusedServerFallsBackToSpawn() async throws {
        let late = WorkerExecutable.path(TestWorker.path, arguments: ["late"])
        try await withProcessPool(workers: 2, executable: late) { pool in
            let pids = Set(try await pool.map(WorkerPID.self, Array(0..<8), chunkSize: 1))
            #expect(!pids.isEmpty)
            for pid in pids { #expect(parentOf(pid) == getpid()) }
            #expect(try await pool.map(Square.self, [1, 2, 3]) == [1, 4, 9])
        }
    }

    @Test("a forked worker's crash and its timeout are reported with the signal, through the server")
    func forkedExitStatus() async throws {
        try await withProcessPool(workers: 1, executable: executable) { pool in
            await #expect(throws: ProcessPoolError.workerCrashed(task: CrashOnNegative.name, exit: .signaled(signal: SIGKILL))) {
                try await pool.run(CrashOnNegative.self, -1)
            }
            await #expect(throws: ProcessPoolError.workerCrashed(task: Exit.name, exit: .exited(status: 7))) {
                try await pool.run(Exit.self, 7)
            }
            let square = try await pool.run(Square.self, 12)
            #expect(square == 144)
        }
    }

    @Test("when the fork server is killed its workers die, and the next worker comes from a new server")
    func serverDeath() async throws {
        // A server of its own: every other test's pools share the plain executable's.
        let own = WorkerExecutable.path(TestWorker.path, arguments: ["own-server"])
        try await withProcessPool(workers: 1, executable: own) { pool in
            let worker = try await pool.run(WorkerPID.self, 0)
            let server = try #require(parentOf(worker))
            #expect(server != getpid())
            #expect(kill(server, SIGKILL) == 0)
            #expect(await eventually(within: .seconds(1)) { !isRunning(worker) }, "worker \(worker) outlived its server")
            // The pool replaces its worker; the dead server is noticed and replaced on that request.
            #expect(await eventually { !pool.workerProcessIDs.contains(worker) })
            let replacement = try await pool.run(WorkerPID.self, 0)
            #expect(replacement != worker)
            let newServer = try #require(parentOf(replacement))
            #expect(newServer != server)
            #expect(!isOurZombie(server), "the dead server was reaped")
        }
    }

    @Test("a fork server slow to greet holds up only its own program: another pool is created and answers meanwhile")
    func slowServerHoldsUpNoOtherPool() async throws {
        // A program that never greets: its server's start waits out the start timeout.
        let tag = "slow-server-\(UInt64.random(in: 0...UInt64.max))"
        let silent = WorkerExecutable.path(TestWorker.path, arguments: ["never-serves", tag])
        let stuck = try ProcessPool(workers: 1, executable: silent, startTimeout: .seconds(20), startMethod: .forkServer)
        let waiting = Task { try await stuck.run(Square.self, 3) }
        let server = await eventually(within: .seconds(15)) { !ourChildren(runningWith: tag).isEmpty }
        #expect(server, "the silent program was started as a fork server")
        // Another executable's pool, forking too: created and served while that start still waits.
        let other = try ProcessPool(workers: 1, executable: executable, startMethod: .forkServer)
        #expect(try await other.run(Square.self, 4) == 16)
        #expect(ourChildren(runningWith: tag).count == 1, "the silent server still waits for its greeting: the other pool did not wait behind it")
        await other.shutdown()
        // The silent server's end ends its start; the pool then spawns the program, which it kills.
        for pid in ourChildren(runningWith: tag) { kill(pid, SIGKILL) }
        await stuck.shutdownNow()
        _ = await waiting.result
        #expect(await eventually { ourChildren(runningWith: tag).isEmpty })
    }
}
#endif
