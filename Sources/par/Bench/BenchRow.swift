/// One measured line of `par bench`: a Swift number, optionally a peer's number and the goal.
struct BenchRow: Codable, Sendable {
    /// The table section, e.g. "threads & futures".
    var section: String
    /// What was measured, e.g. "submit+result, 100,000 trivial tasks".
    var name: String
    /// The unit of `value` and `peerValue`, e.g. "tasks/s", "s", "MiB".
    var unit: String
    /// Whether a larger value is better (throughput) or a smaller one (time, memory).
    var higherIsBetter: Bool
    /// Parallel's measurement.
    var value: Double
    /// Who we compare with, e.g. "Python ThreadPoolExecutor(4)" or "DispatchQueue".
    var peer: String? = nil
    /// The peer's measurement in the same unit; `nil` if the peer could not run (see `note`).
    var peerValue: Double? = nil
    /// The goal as stated in the issue, e.g. "≥ 20×" — a ratio of Parallel over the peer.
    var goal: String? = nil
    /// The minimum ratio for the goal to be met, e.g. 20 for "≥ 20×".
    var goalRatio: Double? = nil
    /// Whether the results of the measured work were checked and right.
    var verified: Bool
    /// Anything a reader needs to know (why a peer is missing, what dominated).
    var note: String? = nil

    /// How many times better Parallel is than the peer (>1 is better), or `nil` without a peer.
    var ratio: Double? {
        guard let peerValue, peerValue > 0, value > 0 else { return nil }
        return higherIsBetter ? value / peerValue : peerValue / value
    }

    /// Whether the goal is met, or `nil` where there is no goal or no peer measurement.
    var goalMet: Bool? {
        guard let goalRatio, let ratio else { return nil }
        return ratio >= goalRatio
    }
}
