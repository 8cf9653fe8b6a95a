/// How far a ``ProcessPool/map(_:_:chunkSize:timeout:progress:)``, a
/// ``ProcessPool/mapResults(_:_:chunkSize:timeout:progress:)`` or an
/// ``ProcessPool/imap(_:_:chunkSize:window:timeout:progress:)`` has got: what tqdm shows for a Python
/// pool, without counting by hand.
///
/// The pool reports it after each chunk of inputs finishes, in the calling task (never on the pool's
/// I/O thread: a slow report delays only the caller), one report at a time and with the counts only
/// growing. Inputs cancelled after a failure (`map` stops at its first failure) are not counted.
///
/// ```swift
/// let squares = try await pool.map(Square.self, Array(1...10_000), progress: { progress in
///     print("\(progress)")   // "2500/10000", …, "10000/10000"
/// })
/// ```
public struct MapProgress: Sendable, Hashable, CustomStringConvertible {
    /// Inputs whose task finished, with an output or with a failure.
    public var completed: Int
    /// Of ``completed``, the inputs whose task failed: it threw, its worker crashed or timed out, or
    /// its input or output could not be encoded or decoded.
    public var failed: Int
    /// How many inputs there are, when known: from the start for `map`, `mapResults`, and an `imap`
    /// over a `Collection`; for an `imap` over any other sequence, once it has been read to its end (the
    /// last report has it).
    public var total: Int?

    /// Makes a report (the pool makes them; this is for tests and adapters).
    ///
    /// ```swift
    /// let halfway = MapProgress(completed: 50, failed: 1, total: 100)
    /// ```
    public init(completed: Int, failed: Int, total: Int?) {
        self.completed = completed
        self.failed = failed
        self.total = total
    }

    /// `completed / total`, from 0 to 1, or `nil` while the total is unknown.
    ///
    /// ```swift
    /// MapProgress(completed: 50, failed: 1, total: 100).fractionCompleted   // 0.5
    /// ```
    public var fractionCompleted: Double? {
        guard let total else { return nil }
        return total == 0 ? 1 : Double(completed) / Double(total)
    }

    /// `completed/total`, with the failures when there are some: `"50/100 (1 failed)"`; `"50"` while the
    /// total is unknown.
    public var description: String {
        let count = total.map { "\(completed)/\($0)" } ?? "\(completed)"
        return failed == 0 ? count : "\(count) (\(failed) failed)"
    }
}
