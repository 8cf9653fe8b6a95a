/// An argument outside its valid range, thrown at the call that received it (Python's `ValueError`).
///
/// One rule holds across Parallel: a count that makes no sense (zero or negative workers, parties,
/// attempts, a chunk size of 0…) or a negative timeout or interval is refused with this error, never
/// clamped or silently replaced. A zero timeout stays valid where it means "do not wait" (a
/// non-blocking attempt). The message names the argument, the value given and the valid range.
///
/// ```swift
/// do { _ = try ProcessPool(workers: 0) }
/// catch let error as InvalidArgumentError { print(error) }   // workers must be at least 1 (got 0)
/// ```
public struct InvalidArgumentError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The argument's label, as written at the call (`workers`, `timeout`, `maxConcurrency`).
    public let argument: String
    /// The value that was passed, as text (`0`, `-1.0 seconds`).
    public let value: String
    /// The valid range, as the end of the sentence "`argument` must be …" (`at least 1`).
    public let expected: String

    /// Creates the error for `argument`, which was given `value` and must be `expected`.
    ///
    /// ```swift
    /// throw InvalidArgumentError(argument: "retries", value: "-1", expected: "at least 0")
    /// ```
    public init(argument: String, value: String, expected: String) {
        self.argument = argument
        self.value = value
        self.expected = expected
    }

    /// "`argument` must be `expected` (got `value`)".
    ///
    /// ```swift
    /// print(InvalidArgumentError(argument: "parties", value: "0", expected: "at least 1"))
    /// // parties must be at least 1 (got 0)
    /// ```
    public var description: String { "\(argument) must be \(expected) (got \(value))" }

    /// Throws unless `value` is `nil` or at least `minimum`.
    package static func check(_ argument: String, _ value: Int?, atLeast minimum: Int) throws(InvalidArgumentError) {
        guard let value, value < minimum else { return }
        throw InvalidArgumentError(argument: argument, value: "\(value)", expected: "at least \(minimum)")
    }

    /// Throws unless `value` is `nil` or zero or more (zero: do not wait).
    @usableFromInline
    package static func checkNonNegative<D: DurationProtocol>(_ argument: String, _ value: D?) throws(InvalidArgumentError) {
        guard let value, value < .zero else { return }
        throw InvalidArgumentError(argument: argument, value: "\(value)", expected: "zero or more")
    }

    /// Throws unless `value` is `nil` or more than zero (for limits where zero leaves no time at all).
    package static func checkPositive(_ argument: String, _ value: Duration?) throws(InvalidArgumentError) {
        guard let value, value <= .zero else { return }
        throw InvalidArgumentError(argument: argument, value: "\(value)", expected: "more than zero")
    }
}
