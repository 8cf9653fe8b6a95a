/// A fixed set of locks shared by all futures (lock striping): a future picks one by its address.
///
/// Creating a `Lock` per future costs two allocations and a `pthread_mutex_init`, a large part of a
/// trivial task's cost. Sharing is safe because a future's lock is only held for a few field updates
/// and never while taking another lock (callbacks and waiters run after it is released), so two
/// futures on one stripe can at worst wait a moment for each other, never deadlock.
@usableFromInline
enum FutureLocks {
    @usableFromInline static let stripes: [Lock] = (0..<64).map { _ in Lock() }

    /// The stripe for `identity`.
    @inlinable static func lock(for identity: ObjectIdentifier) -> Lock {
        // Objects are at least 16-byte aligned: skip the always-zero low bits.
        stripes[Int(truncatingIfNeeded: (UInt(bitPattern: identity) >> 4) & 63)]
    }
}
