extension ProcessPool {
    /// Stops the fork servers this process started (``StartMethod/forkServer``), with their spare
    /// workers, and closes the socket this process held to each.
    ///
    /// A fork server outlives the pool that started it, as Python's does: one process per worker
    /// executable, with up to two idle spare workers, kept so that the next pool starts in a
    /// millisecond instead of a process launch. It exits with this process in any case; call this
    /// when no more pools will run and nothing of theirs may stay (a test that counts processes, a
    /// long-running program done with its batch jobs). A server a pool is still using stops when that
    /// pool ends; its workers are not disturbed. The next pool starts a new server.
    ///
    /// Returns once every server not in use has exited and been reaped (a moment: each is killed).
    ///
    /// ```swift
    /// try await withProcessPool(workers: 2) { pool in try await pool.map(Square.self, [1, 2, 3]) }
    /// ProcessPool.stopForkServers()   // no process and no descriptor of the pool's left
    /// ```
    public static func stopForkServers() {
        WorkerLauncher.stopForkServers()
    }
}
