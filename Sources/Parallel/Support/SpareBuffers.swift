/// Big byte buffers a worker has finished with (a request's frame once its inputs are decoded, a
/// reply once it is sent), kept for its next big frame or encoding.
///
/// Why: the kernel zeroes every page of fresh memory, and a big payload passes through several
/// fresh buffers. With a 32 MiB payload `perf` put a fifth of a round trip's samples in
/// `clear_page`; a buffer used again has its pages already. A worker is a process of this package's
/// own, so it keeps at most ``limit`` of them (their memory stays with it, as Python's workers keep
/// theirs); every other process (a pool's, the application's) never turns ``shared`` on and keeps
/// nothing. Reuse is safe whoever else still holds a kept buffer: its next user copies on write.
///
/// ```swift
/// SpareBuffers.shared.enable()                                 // a worker, at its start
/// SpareBuffers.shared.keep(&payload)                           // payload is now []
/// let frame = SpareBuffers.shared.take(capacity: 32 << 20)     // a kept buffer, or nil
/// ```
final class SpareBuffers: Sendable {
    /// The buffers of this process: what ``LargeBuffer`` growth and a big frame's arrival take from.
    static let shared = SpareBuffers()

    /// The most buffers kept.
    static let limit = 2

    private struct State {
        var enabled = false
        var buffers: [[UInt8]] = []
    }

    private let state = LockedValue(State())

    /// Turns keeping on.
    func enable() {
        state.withLock { $0.enabled = true }
    }

    /// Keeps `buffer` if keeping is on and it is big (``LargeBuffer/threshold``), dropping the
    /// smallest kept one if there are ``limit`` already; `buffer` is left empty either way.
    func keep(_ buffer: inout [UInt8]) {
        var taken: [UInt8] = []
        swap(&taken, &buffer)
        guard taken.capacity >= LargeBuffer.threshold else { return }
        let dropped: [UInt8]? = state.withLock { state in
            guard state.enabled else { return nil }
            state.buffers.append(taken)
            guard state.buffers.count > Self.limit,
                  let smallest = state.buffers.indices.min(by: { state.buffers[$0].capacity < state.buffers[$1].capacity })
            else { return nil }
            return state.buffers.remove(at: smallest)
        }
        _ = dropped  // freed here, outside the lock
    }

    /// The smallest kept buffer with room for `capacity` bytes, no longer kept; `nil` if none has.
    /// Its bytes are whatever it last held.
    func take(capacity: Int) -> [UInt8]? {
        guard capacity >= LargeBuffer.threshold else { return nil }
        return state.withLock { state in
            let fitting = state.buffers.indices.filter { state.buffers[$0].capacity >= capacity }
            guard let best = fitting.min(by: { state.buffers[$0].capacity < state.buffers[$1].capacity }) else { return nil }
            return state.buffers.remove(at: best)
        }
    }
}
