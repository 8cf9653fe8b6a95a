// GettingStarted.md's first program, verbatim: the program of issue 11 that did not compile.
import Parallel

struct Square: ProcessTask {
    static func run(_ n: Int) async throws -> Int { n * n }
}

@main
enum App {
    static func main() async throws {
        await ProcessWorker.serveIfRequested(TaskRegistry([Square.self]))

        let squares = try await withProcessPool(workers: 2) { pool in
            try await pool.map(Square.self, [1, 2, 3, 4, 5])
        }
        print(squares)   // [1, 4, 9, 16, 25]
    }
}
