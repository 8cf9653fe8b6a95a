/// A task every worker of a pool runs once when it starts (Python's `Pool(initializer=…, initargs=…)`),
/// e.g. to load a model or open a database before serving tasks.
///
/// If it throws, the worker exits and the task it was given fails with
/// ``ProcessPoolError/initializerFailed(task:type:message:)``.
///
/// ```swift
/// let pool = try ProcessPool(workers: 2, initializer: try WorkerInitializer(LoadModel.self, "model.bin"))
/// ```
public struct WorkerInitializer: Sendable {
    let task: String
    let payload: [UInt8]

    /// Runs `task` on `input` in each new worker; throws ``ProcessPoolError/encodingFailed(task:message:)``.
    ///
    /// ```swift
    /// let setup = try WorkerInitializer(Warm.self, 3)
    /// ```
    public init<T: ProcessTask>(_ task: T.Type, _ input: T.Input) throws(ProcessPoolError) {
        self.task = T.name
        do {
            payload = try WireCodec.encode([input])
        } catch {
            throw .encodingFailed(task: T.name, message: "initializer input: " + WireCodec.message(error))
        }
    }
}
