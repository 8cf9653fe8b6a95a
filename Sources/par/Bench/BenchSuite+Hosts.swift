import Foundation
import Parallel

extension BenchSuite {
    /// Workers on other hosts over `ssh`, beside what `ssh` itself gives on the same links (its
    /// floors, measured in the same run). Needs hosts: `scripts/hosts-testbed up 3` and its `env`
    /// (PARALLEL_HOSTS, PARALLEL_HOSTS_SSH_CONFIG); not in the default run, as it needs root to set up.
    static let hosts = BenchSuite(name: "hosts", run: measureHosts)

    private static func measureHosts(_ context: BenchContext) async throws -> [BenchRow] {
        let section = "hosts over ssh"
        let environment = ProcessInfo.processInfo.environment
        guard let names = environment["PARALLEL_HOSTS"]?.split(separator: " ").map(String.init), names.count >= 2,
              let config = environment["PARALLEL_HOSTS_SSH_CONFIG"]
        else {
            throw PeerUnavailable(reason: "par bench hosts needs hosts: run scripts/hosts-testbed up 3 as root, then eval \"$(scripts/hosts-testbed env)\"")
        }
        let options = ["-F", config]
        let program = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        func host(_ index: Int, workers: Int) throws -> WorkerHost {
            try .ssh(names[index], workers: workers, program: program, options: options)
        }
        let floor = SSHFloor(destination: names[0], options: options)
        var rows: [BenchRow] = []

        context.progress("ssh floors to \(names[0])")
        let connect = try (0..<3).map { _ in try floor.connect() }.min() ?? 0
        let pipelined = try floor.pipelined(context.size(200_000, quick: 20_000))
        let megabytes = context.size(32, quick: 8)
        let push = try floor.push(megabytes << 20)

        // map of small tasks over two hosts, one worker each.
        let count = context.size(100_000, quick: 10_000)
        context.progress("map \(count) tasks over \(names[0]) and \(names[1])")
        let (mapRate, mapOK): (Double, Bool) = try await withProcessPool(workers: 0, hosts: [host(0, workers: 1), host(1, workers: 1)]) { pool in
            _ = try await pool.map(Identity.self, Array(0..<1_000))
            let (outputs, seconds) = try await Measure.time { try await pool.map(Identity.self, Array(0..<count)) }
            return (Double(count) / seconds, outputs == Array(0..<count))
        }
        rows.append(BenchRow(
            section: section, name: "map of \(count) trivial tasks over 2 hosts (1 worker each)", unit: "tasks/s", higherIsBetter: true,
            value: mapRate, peer: "ssh floor: 64-byte messages pipelined through one cat", peerValue: pipelined,
            goal: "≥ 0.7×", goalRatio: 0.7, verified: mapOK
        ))

        context.progress("run one at a time on \(names[0]), in rounds alternating with ssh's own round trips")
        let calls = context.size(400, quick: 100)
        let session = try floor.roundTrips()
        defer { session.close() }
        var roundTrip = Double.infinity
        let (callMicros, callsOK): (Double, Bool) = try await withProcessPool(workers: 0, hosts: [host(0, workers: 1)]) { pool in
            _ = try await pool.run(Identity.self, 0)
            var best = Double.infinity
            var ok = true
            for _ in 0..<5 {
                roundTrip = min(roundTrip, try session.median(calls))
                var times: [Double] = []
                for index in 0..<calls {
                    let (output, seconds) = try await Measure.time { try await pool.run(Identity.self, index) }
                    times.append(seconds * 1e6)
                    ok = ok && output == index
                }
                times.sort()
                best = min(best, times[times.count / 2])
            }
            return (best, ok)
        }
        rows.append(BenchRow(
            section: section, name: "run, one call at a time, on a host (best of 5 rounds' medians)", unit: "µs", higherIsBetter: false,
            value: callMicros, peer: "ssh floor: one 64-byte round trip through cat (the same, rounds alternating)", peerValue: roundTrip,
            goal: "≥ 0.8×", goalRatio: 0.8, verified: callsOK
        ))

        context.progress("a \(megabytes) MB [Double] input to a worker on \(names[0])")
        let doubles = [Double](repeating: 0.25, count: (megabytes << 20) / 8)
        let (bulkRate, bulkOK): (Double, Bool) = try await withProcessPool(workers: 0, hosts: [host(0, workers: 1)]) { pool in
            _ = try await pool.run(CountDoubles.self, [1])
            var best = Double.infinity
            var ok = true
            for _ in 0..<3 {
                let (counted, seconds) = try await Measure.time { try await pool.run(CountDoubles.self, doubles) }
                best = min(best, seconds)
                ok = ok && counted == doubles.count
            }
            return (Double(megabytes << 20) / 1e6 / best, ok)
        }
        rows.append(BenchRow(
            section: section, name: "one task with a \(megabytes) MB [Double] input on a host (best of 3)", unit: "MB/s", higherIsBetter: true,
            value: bulkRate, peer: "ssh floor: the same bytes into cat > /dev/null", peerValue: push,
            goal: "≥ 0.7×", goalRatio: 0.7, verified: bulkOK
        ))

        let hostCount = min(names.count, 3)
        let sleepers = hostCount * 2 * 5
        context.progress("\(sleepers) sleeping tasks over \(hostCount) hosts × 2 workers")
        let everyone = try (0..<hostCount).map { try host($0, workers: 2) }
        let (spread, spreadOK): (Double, Bool) = try await withProcessPool(workers: 0, hosts: everyone) { pool in
            _ = try await pool.map(Identity.self, Array(0..<100), chunkSize: 1)
            let (squares, seconds) = try await Measure.time { try await pool.map(SlowSquare.self, Array(0..<sleepers), chunkSize: 1) }
            return (seconds, squares == (0..<sleepers).map { $0 * $0 })
        }
        let (single, singleOK): (Double, Bool) = try await withProcessPool(workers: 0, hosts: [host(0, workers: 1)]) { pool in
            _ = try await pool.run(Identity.self, 0)
            let (squares, seconds) = try await Measure.time { try await pool.map(SlowSquare.self, Array(0..<sleepers), chunkSize: 1) }
            return (seconds, squares == (0..<sleepers).map { $0 * $0 })
        }
        rows.append(BenchRow(
            section: section, name: "\(sleepers) tasks of 0.1 s sleep over \(hostCount) hosts × 2 workers", unit: "s", higherIsBetter: false,
            value: spread, peer: "the same on 1 worker on 1 host", peerValue: single,
            goal: hostCount >= 3 ? "≥ 5.5×" : nil, goalRatio: hostCount >= 3 ? 5.5 : nil, verified: spreadOK && singleOK,
            note: "sleeping tasks: this machine has 2 cores, so CPU-bound scaling over hosts cannot be shown here"
                + (hostCount < 3 ? "; only \(hostCount) hosts are up (the goal is for 3)" : "")
        ))

        context.progress("pool creation to first result with 2 hosts")
        let (startOK, start): (Bool, Double) = try await Measure.time { () async throws -> Bool in
            try await withProcessPool(workers: 0, hosts: [host(0, workers: 1), host(1, workers: 1)]) { pool in
                try await pool.run(Identity.self, 41) == 41
            }
        }
        rows.append(BenchRow(
            section: section, name: "pool with 2 hosts: creation to first result, and shutdown", unit: "s", higherIsBetter: false,
            value: start, peer: "ssh floor: a fresh connection running true (best of 3)", peerValue: connect,
            verified: startOK, note: "the hosts connect in parallel; shutdown includes each link's close"
        ))
        return rows
    }
}
