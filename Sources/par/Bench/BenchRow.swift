/// One measured line of `par bench`: a Swift number, optionally a peer's number and the goal.
struct BenchRow: Encodable, Sendable {
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
    /// For the comparison table's rows: wall time, speedup, CPU use and memory of Parallel's run.
    var profile: RunProfile? = nil
    /// The same for the peer's run, where the peer reported it.
    var peerProfile: RunProfile? = nil

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

    private enum CodingKeys: String, CodingKey {
        case section, name, unit, higherIsBetter, value, peer, peerValue, goal, goalRatio, verified, note
        case profile, peerProfile, ratio, goalMet
    }

    /// Encodes the stored fields plus the derived `ratio` and `goalMet`, so JSON readers need not
    /// recompute them.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(section, forKey: .section)
        try container.encode(name, forKey: .name)
        try container.encode(unit, forKey: .unit)
        try container.encode(higherIsBetter, forKey: .higherIsBetter)
        try container.encode(value, forKey: .value)
        try container.encodeIfPresent(peer, forKey: .peer)
        try container.encodeIfPresent(peerValue, forKey: .peerValue)
        try container.encodeIfPresent(goal, forKey: .goal)
        try container.encodeIfPresent(goalRatio, forKey: .goalRatio)
        try container.encode(verified, forKey: .verified)
        try container.encodeIfPresent(note, forKey: .note)
        try container.encodeIfPresent(profile, forKey: .profile)
        try container.encodeIfPresent(peerProfile, forKey: .peerProfile)
        try container.encodeIfPresent(ratio, forKey: .ratio)
        try container.encodeIfPresent(goalMet, forKey: .goalMet)
    }
}

/// How one run of the comparison table used the machine: the seed table's columns, measured.
struct RunProfile: Codable, Sendable {
    /// Wall-clock time of the run.
    var seconds: Double
    /// Speedup over the sequential run of the same work (1 for the sequential run itself).
    var speedup: Double?
    /// CPU time divided by wall time: how many cores were busy on average.
    var cpuCores: Double
    /// Memory the approach cost, in MiB: the growth of the process's resident set during the run,
    /// plus the largest worker process if it used any.
    var memoryMiB: Double

    /// "1.23 s, 1.9× seq, 1.95 cores, +14 MiB".
    var summary: String {
        var parts = ["\(BenchTable.format(seconds)) s"]
        if let speedup { parts.append("\(BenchTable.format(speedup))× seq") }
        parts.append("\(BenchTable.format(cpuCores)) cores")
        parts.append("+\(BenchTable.format(memoryMiB)) MiB")
        return parts.joined(separator: ", ")
    }
}
