import Foundation
import Parallel

extension Demo {
    /// The seed's pool and hybrid examples with the workers on other hosts, reached over `ssh`
    /// (`par demo hosts --host build-1 --host build-2`): the same calls, the same results. This
    /// program must be at the same path on each host.
    static func hosts(_ destinations: [String], sshOptions: [String], workersPerHost: Int) throws -> Demo {
        let program = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        let hosts = try destinations.map { try WorkerHost.ssh($0, workers: workersPerHost, program: program, options: sshOptions) }
        let names = destinations.joined(separator: ", ")
        return Demo(name: "hosts", summary: "the pool and hybrid examples with workers on \(names) over ssh") {
            let clock = ContinuousClock()
            let start = clock.now
            let (results, sums) = try await withProcessPool(workers: 0, hosts: hosts) { pool in
                let squares = try await pool.map(SlowSquare.self, [1, 2, 3, 4, 5])
                async let first = pool.run(SumOfSquares.self, 100_000)
                async let second = pool.run(SumOfSquares.self, 200_000)
                async let third = pool.run(SumOfSquares.self, 150_000)
                return (squares, try await [first, second, third])
            }
            print("Results: \(results)")
            print("Results: \(sums)")
            print("(\(hosts.count) hosts × \(workersPerHost) workers over ssh, connections included: \(clock.now - start))")
        }
    }
}
