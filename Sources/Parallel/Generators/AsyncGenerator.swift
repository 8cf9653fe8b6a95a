/// An async sequence written like a Python async generator (`async def … yield`): the body calls
/// `yield` for each element, and runs only when the consumer asks for the next one.
///
/// - Back-pressure: the body starts at the first `next()` and, after each `yield`, stays suspended
///   until the consumer asks again. At most one element is in flight; nothing is buffered.
/// - Early exit: when the consumer stops iterating (`break`, `return`, a thrown error, or the
///   iterator is dropped), the pending `yield` throws `CancellationError` and the body's task is
///   cancelled, so the body unwinds and its `defer` blocks run (Python's `aclose()`).
/// - Cancellation: cancelling the consumer's task cancels the body's task; the body's own awaits
///   throw, and its next `yield` throws `CancellationError` instead of delivering.
/// - Errors: with `Failure == any Error`, an error thrown by the body reaches the consumer's
///   `for try await`. With `Failure == Never`, the body can only be stopped, never fail, and the
///   consumer's `for await` simply ends.
/// - Each `makeAsyncIterator()` runs the body afresh, in a task of its own (a child of no one: it is
///   tied to the iterator's lifetime instead). Costs two continuation resumes per element.
/// - The body's task takes its consumer's task executor preference, as a child task would: inside
///   `withTaskExecutorPreference(executor)`, both run on `executor`. On a one-thread executor (an
///   asyncio-style loop) each hand-off then stays on that thread.
///
/// ```swift
/// let countdown = AsyncGenerator<Int, any Error> { yield in
///     defer { print("cleanup") }
///     for i in (1...3).reversed() {
///         try await Task.sleep(for: .milliseconds(500))
///         try await yield(i)
///     }
/// }
/// for try await i in countdown { print(i) }   // 3 2 1 cleanup
/// ```
public struct AsyncGenerator<Element: Sendable, Failure: Error>: AsyncSequence, Sendable {
    private let body: @Sendable (Yield) async throws -> Void

    /// Creates a generator whose body may throw; its errors reach the consumer.
    ///
    /// ```swift
    /// let lines = AsyncGenerator<String, any Error> { yield in
    ///     for try await line in file.lines { try await yield(line) }
    /// }
    /// ```
    public init(
        of elementType: Element.Type = Element.self,
        _ body: @escaping @Sendable (Yield) async throws -> Void
    ) where Failure == any Error {
        self.body = body
    }

    /// Creates a generator whose body cannot fail: it only stops, when it returns or when its
    /// consumer has left or was cancelled. There `yield` returns `false` instead of throwing, and the
    /// body should return (the compiler warns if the result is ignored).
    ///
    /// ```swift
    /// let naturals = AsyncGenerator<Int, Never> { yield in
    ///     var n = 0
    ///     while await yield(n) { n += 1 }
    /// }
    /// for await n in naturals.prefix(3) { print(n) }   // 0 1 2
    /// ```
    public init(
        of elementType: Element.Type = Element.self,
        _ body: @escaping @Sendable (Yield) async -> Void
    ) where Failure == Never {
        self.body = body
    }

    /// Starts a fresh run of the body, which begins at the iterator's first `next()`.
    ///
    /// ```swift
    /// var iterator = generator.makeAsyncIterator()
    /// let first = try await iterator.next()
    /// ```
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(consumer: GeneratorConsumer(storage: GeneratorStorage(body: body)))
    }

    /// Hands one element to the consumer; passed to the generator's body as `yield`.
    ///
    /// ```swift
    /// try await yield(42)
    /// ```
    public struct Yield: Sendable {
        @usableFromInline let storage: GeneratorStorage<Element>
    }

    /// Pulls elements from the body; dropping it stops the body.
    ///
    /// ```swift
    /// var iterator = generator.makeAsyncIterator()
    /// while let value = try await iterator.next() { print(value) }
    /// ```
    public struct AsyncIterator: AsyncIteratorProtocol {
        @usableFromInline let consumer: GeneratorConsumer<Element>

        /// Resumes the body until it yields the next element; `nil` once it has returned.
        ///
        /// ```swift
        /// let next = try await iterator.next(isolation: #isolation)
        /// ```
        @inlinable
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(Failure) -> Element? {
            do {
                return try await consumer.storage.next(isolation: actor)
            } catch let failure as Failure {
                throw failure
            } catch {
                return nil   // Failure == Never: the body was stopped, which ends the sequence.
            }
        }

        /// Resumes the body until it yields the next element; `nil` once it has returned.
        ///
        /// ```swift
        /// let next = try await iterator.next()
        /// ```
        @inlinable
        public mutating func next() async throws(Failure) -> Element? {
            try await next(isolation: nil)
        }
    }
}

extension AsyncGenerator.Yield where Failure == any Error {
    /// Delivers `element` to the consumer and suspends until it asks for the next one.
    ///
    /// - Throws: `CancellationError` if the consumer has stopped iterating or was cancelled; the body
    ///   then unwinds (its `defer` blocks run as usual).
    ///
    /// ```swift
    /// for i in 0..<5 { try await yield(i) }
    /// ```
    @inlinable
    public func callAsFunction(_ element: Element) async throws(CancellationError) {
        guard await storage.yield(element) else { throw CancellationError() }
    }
}

extension AsyncGenerator.Yield where Failure == Never {
    /// Delivers `element` to the consumer and suspends until it asks for the next one.
    ///
    /// - Returns: `false` if the consumer has stopped iterating or was cancelled: the element was not
    ///   delivered and the body should return.
    ///
    /// ```swift
    /// for i in 0..<5 { guard await yield(i) else { return } }
    /// ```
    @inlinable
    public func callAsFunction(_ element: Element) async -> Bool {
        await storage.yield(element)
    }
}

/// Owned by the iterator alone: when the iterator goes away, the body is told to stop. (The body's
/// task keeps the storage alive, so the storage's own lifetime cannot signal that.)
@usableFromInline
final class GeneratorConsumer<Element: Sendable> {
    @usableFromInline let storage: GeneratorStorage<Element>

    init(storage: GeneratorStorage<Element>) { self.storage = storage }

    deinit { storage.consumerLeft() }
}
