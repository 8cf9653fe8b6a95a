/// The order in which a ``Queue`` hands out its items.
///
/// - ``fifo``: first in, first out (Python's `queue.Queue`).
/// - ``lifo``: last in, first out (Python's `queue.LifoQueue`).
/// - ``priority(by:)`` / ``priority``: smallest first (Python's `queue.PriorityQueue`); items of equal
///   priority come out in the order they were put, unlike Python's, which compares them further.
///
/// ```swift
/// let stack = try Queue<Int>(order: .lifo)
/// let urgentFirst = try Queue<Int>(order: .priority)
/// let byDeadline = try Queue<Job>(order: .priority(by: { $0.deadline < $1.deadline }))
/// ```
public struct QueueOrder<Element: Sendable>: Sendable {
    enum Kind: Sendable {
        case fifo
        case lifo
        case priority(@Sendable (Element, Element) -> Bool)
    }

    let kind: Kind

    /// First in, first out.
    ///
    /// ```swift
    /// let queue = try Queue<Int>(order: .fifo)   // the default
    /// ```
    public static var fifo: QueueOrder { QueueOrder(kind: .fifo) }

    /// Last in, first out.
    ///
    /// ```swift
    /// let stack = try Queue<Int>(order: .lifo)
    /// ```
    public static var lifo: QueueOrder { QueueOrder(kind: .lifo) }

    /// Smallest first by `areInIncreasingOrder` (a strict weak ordering); equal items stay first in,
    /// first out.
    ///
    /// ```swift
    /// let byRank = try Queue<Job>(order: .priority(by: { $0.rank < $1.rank }))
    /// ```
    public static func priority(by areInIncreasingOrder: @escaping @Sendable (Element, Element) -> Bool) -> QueueOrder {
        QueueOrder(kind: .priority(areInIncreasingOrder))
    }
}

extension QueueOrder where Element: Comparable {
    /// Smallest first by `<`; equal items stay first in, first out.
    ///
    /// ```swift
    /// let heap = try Queue<Int>(order: .priority)
    /// ```
    public static var priority: QueueOrder { .priority(by: { $0 < $1 }) }
}
