#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A point on the monotonic clock by which a blocking wait gives up; `nil` timeouts mean "never".
///
/// Internal glue between the public `timeout: Duration?` parameters and `pthread_cond_timedwait`.
@usableFromInline
struct Deadline: Sendable, Comparable {
    /// Nanoseconds on the monotonic clock (`CLOCK_MONOTONIC`), or `.max` for "never".
    @usableFromInline let nanoseconds: UInt64

    /// The deadline that never comes.
    static let distantFuture = Deadline(nanoseconds: .max)

    @usableFromInline init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// The deadline `timeout` from now; `nil` means never. Negative timeouts are already expired.
    @usableFromInline
    static func after(_ timeout: Duration?) -> Deadline {
        guard let timeout else { return .distantFuture }
        let (seconds, attoseconds) = timeout.components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return Deadline(nanoseconds: now) }
        let (wholeNanos, overflow1) = UInt64(clamping: seconds).multipliedReportingOverflow(by: 1_000_000_000)
        let extra = UInt64(attoseconds / 1_000_000_000)
        let (sum, overflow2) = now.addingReportingOverflow(wholeNanos &+ extra)
        return (overflow1 || overflow2) ? .distantFuture : Deadline(nanoseconds: sum)
    }

    /// The monotonic clock's current reading in nanoseconds.
    @usableFromInline
    static var now: UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    /// Whether the deadline has passed.
    var hasPassed: Bool { nanoseconds != .max && Deadline.now >= nanoseconds }

    /// Time left until the deadline (zero once it has passed); `nil` for ``distantFuture``.
    var remaining: Duration? {
        guard nanoseconds != .max else { return nil }
        let now = Deadline.now
        return now >= nanoseconds ? .zero : .nanoseconds(Int64(clamping: nanoseconds - now))
    }

    @usableFromInline
    static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}
