import Foundation

/// Timing and resource helpers for the benchmark suites.
enum Measure {
    /// Runs `body` once and returns its result with the wall time it took.
    static func time<T>(_ body: () throws -> T) rethrows -> (result: T, seconds: Double) {
        let clock = ContinuousClock()
        let start = clock.now
        let result = try body()
        return (result, seconds(clock.now - start))
    }

    /// Runs async `body` once and returns its result with the wall time it took.
    static func time<T>(_ body: () async throws -> T) async rethrows -> (result: T, seconds: Double) {
        let clock = ContinuousClock()
        let start = clock.now
        let result = try await body()
        return (result, seconds(clock.now - start))
    }

    /// The median of `values` (the upper one of an even count); 0 for none.
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[sorted.count / 2]
    }

    /// A duration in seconds.
    static func seconds(_ duration: Duration) -> Double {
        let (whole, atto) = duration.components
        return Double(whole) + Double(atto) / 1e18
    }

    /// CPU time (user + system) this process has used so far, in seconds.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF_WHO, &usage)
        func value(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return value(usage.ru_utime) + value(usage.ru_stime)
    }

    /// CPU time (user + system) used so far by this process's children that have been reaped.
    static func childrenCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN_WHO, &usage)
        func value(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return value(usage.ru_utime) + value(usage.ru_stime)
    }

    /// The peak resident set (`VmHWM`) of live process `pid`, in MiB; 0 where it cannot be read.
    ///
    /// Not `getrusage(RUSAGE_CHILDREN)`: its `ru_maxrss` is the largest child ever reaped, so any earlier
    /// child (a Python peer, the HTTP server) would be counted instead.
    static func peakResidentMiB(of pid: Int32) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return 0 }
        return kilobytes / 1024
    }

    /// Runs `body` and measures the seed table's columns: wall time, cores busy (this process and the
    /// children it reaped meanwhile), and memory: how much this process's resident set grew during the
    /// run. A run with worker processes adds the largest one's ``peakResidentMiB(of:)`` (a process
    /// holds its own copy of everything).
    static func profile<T>(_ body: () async throws -> T) async rethrows -> (result: T, profile: RunProfile) {
        let cpuBefore = cpuSeconds() + childrenCPUSeconds()
        let residentBefore = residentMiB()
        let (result, seconds) = try await time(body)
        let cpu = cpuSeconds() + childrenCPUSeconds() - cpuBefore
        let memory = max(0, residentMiB() - residentBefore)
        return (result, RunProfile(seconds: seconds, speedup: nil, cpuCores: cpu / max(seconds, 1e-9), memoryMiB: memory))
    }

    /// The peak resident set size of this process since it started or since ``resetPeakResident()``, in
    /// MiB (`VmHWM` in `/proc/self/status`; 0 where there is none).
    static func peakResidentMiB() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return 0 }
        return kilobytes / 1024
    }

    /// Makes the peak resident set the current one (Linux: `5` into `/proc/self/clear_refs`).
    static func resetPeakResident() {
        guard let file = fopen("/proc/self/clear_refs", "w") else { return }
        fputs("5", file)
        fclose(file)
    }

    /// The resident set size of this process now, in MiB (from `/proc/self/statm` on Linux; the peak
    /// so far elsewhere).
    static func residentMiB() -> Double {
        #if os(Linux)
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
        #else
        var usage = rusage()
        getrusage(RUSAGE_SELF_WHO, &usage)
        return Double(usage.ru_maxrss) / 1_048_576
        #endif
    }
}

#if os(Linux)
private let RUSAGE_SELF_WHO = __rusage_who_t(RUSAGE_SELF.rawValue)
private let RUSAGE_CHILDREN_WHO = __rusage_who_t(RUSAGE_CHILDREN.rawValue)
#else
private let RUSAGE_SELF_WHO = RUSAGE_SELF
private let RUSAGE_CHILDREN_WHO = RUSAGE_CHILDREN
#endif
