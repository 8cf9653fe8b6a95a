#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The descriptors that travel beside one frame on a worker's socket (`SCM_RIGHTS`): what a
/// ``SharedArray`` in a payload encodes as an index into.
///
/// The table owns its descriptors and closes those still in it when it goes away, so a descriptor
/// received but never decoded (a bad payload, a reply nobody waits for) is not leaked. Encoding adds
/// a duplicate of an array's descriptor (the array may go away before the frame is written); decoding
/// claims a duplicate of one (a reply may be decoded by several waiters).
///
/// ```swift
/// let table = DescriptorTable()
/// let bytes = try WireCodec.encode([shared], descriptors: table)   // table.count == 1
/// let back = try WireCodec.decode([SharedArray<Double>].self, from: bytes, descriptors: table)
/// ```
final class DescriptorTable: Sendable {
    /// The most descriptors one message carries (Linux's `SCM_MAX_FD`, as the C shims' buffers).
    static let limit = 253

    private struct State {
        var descriptors: [Int32] = []
        /// For each entry, the descriptor it duplicates (-1 for received ones): an array encoded
        /// twice travels once.
        var sources: [Int32] = []
    }
    private let state: LockedValue<State>

    /// An empty table, for encoding.
    init() {
        state = LockedValue(State())
    }

    /// A table owning `descriptors`, received from another process.
    init(adopting descriptors: [Int32]) {
        state = LockedValue(State(descriptors: descriptors, sources: Array(repeating: -1, count: descriptors.count)))
    }

    deinit {
        state.withLock { state in
            for descriptor in state.descriptors where descriptor >= 0 { close(descriptor) }
        }
    }

    /// How many descriptors it holds.
    var count: Int { state.withLock { $0.descriptors.count } }

    /// The descriptors, still owned by the table (for `sendmsg`, while the table lives).
    var descriptors: [Int32] { state.withLock { $0.descriptors } }

    /// The index of a duplicate of `descriptor` in the table, added unless it is there already.
    func add(_ descriptor: Int32) throws(SharedMemoryError) -> Int {
        try state.withLock { state throws(SharedMemoryError) in
            if let index = state.sources.firstIndex(of: descriptor) { return index }
            guard state.descriptors.count < Self.limit else {
                throw .malformed("more than \(Self.limit) shared arrays in one message; pass fewer per task")
            }
            let copy = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
            guard copy >= 0 else { throw .systemCall("fcntl(F_DUPFD_CLOEXEC)", errno: errno, bytes: 0) }
            state.descriptors.append(copy)
            state.sources.append(descriptor)
            return state.descriptors.count - 1
        }
    }

    /// A new descriptor for entry `index`, which the caller owns.
    func claim(_ index: Int) throws(SharedMemoryError) -> Int32 {
        let (descriptor, count) = state.withLock { state in
            (state.descriptors.indices.contains(index) ? state.descriptors[index] : -1, state.descriptors.count)
        }
        guard descriptor >= 0 else {
            throw .malformed("it names descriptor \(index) of the \(count) that came with its message")
        }
        let copy = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        guard copy >= 0 else { throw .systemCall("fcntl(F_DUPFD_CLOEXEC)", errno: errno, bytes: 0) }
        return copy
    }

    /// Appends `received` (now owned by the table), in the order they arrived.
    func append(received: some Sequence<Int32>) {
        state.withLock { state in
            for descriptor in received {
                state.descriptors.append(descriptor)
                state.sources.append(-1)
            }
        }
    }

    /// Moves the first `count` descriptors into a table of their own; nil (and nothing moved) if
    /// fewer arrived.
    func removeFirst(_ count: Int) -> DescriptorTable? {
        let moved: [Int32]? = state.withLock { state in
            guard count >= 0, count <= state.descriptors.count else { return nil }
            defer {
                state.descriptors.removeFirst(count)
                state.sources.removeFirst(count)
            }
            return Array(state.descriptors.prefix(count))
        }
        return moved.map { DescriptorTable(adopting: $0) }
    }
}

extension CodingUserInfoKey {
    /// Where ``SharedArray`` finds the ``DescriptorTable`` of the message being encoded or decoded.
    static let descriptorTable: CodingUserInfoKey = {
        guard let key = CodingUserInfoKey(rawValue: "Parallel.DescriptorTable") else { preconditionFailure("a valid raw key") }
        return key
    }()
}
