/// A task submitted to a ``ProcessPool``: await its output or cancel it (`concurrent.futures.Future`).
///
/// ```swift
/// let handle = pool.submit(Square.self, 12)
/// handle.cancel()                       // the worker running it, if any, is killed and replaced
/// _ = try? await handle.value           // throws CancellationError
/// ```
public final class ProcessTaskHandle<Output: Codable & Sendable>: Sendable {
    private let core: PoolCore
    private let box: RequestBox
    private let task: String

    init(core: PoolCore, box: RequestBox, task: String) {
        self.core = core
        self.box = box
        self.task = task
    }

    /// The task's output. Throws ``ProcessPoolError`` or `CancellationError`. Cancelling the Swift
    /// task awaiting this cancels the submitted work too.
    ///
    /// ```swift
    /// let output = try await handle.value
    /// ```
    public var value: Output {
        get async throws {
            let outcome = await withTaskCancellationHandler {
                await box.wait()
            } onCancel: { [core, box] in
                core.cancel(box)
            }
            guard let result = try box.results(outcome, as: Output.self, task: task).first else {
                throw ProcessPoolError.decodingFailed(task: task, message: "the reply held no output")
            }
            return try result.get()
        }
    }

    /// Whether the task has finished (succeeded, failed or been cancelled) (`Future.done()`).
    ///
    /// ```swift
    /// if handle.isDone { print(try await handle.value) }
    /// ```
    public var isDone: Bool { box.outcome != nil }

    /// Cancels the task (`Future.cancel()`, but it also stops a running task: its worker is killed
    /// and replaced). Awaiting ``value`` then throws `CancellationError`; no effect once done.
    ///
    /// ```swift
    /// handle.cancel()
    /// ```
    public func cancel() {
        core.cancel(box)
    }
}
