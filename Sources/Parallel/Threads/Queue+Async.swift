import DequeModule

extension Queue {
    /// Adds `item`, suspending (not blocking) while the queue is full: the async twin of
    /// ``put(_:timeout:)``. Threads and tasks may put and get on the same queue.
    ///
    /// For a time limit, cancel the task (for example from a timeout helper).
    ///
    /// - Throws: ``QueueError/shutDown`` if the queue is or gets shut down, ``QueueError/cancelled``
    ///   if the task is cancelled while waiting (the item is then not added).
    ///
    /// ```swift
    /// try await queue.put(job)
    /// ```
    public func put(_ item: Element) async throws(QueueError) {
        try await suspendUntil(waitingIn: \.asyncPutters, waking: notEmpty) { () -> Step<Void> in
            if state.isShutDown { return .failed(.shutDown) }
            if maxSize > 0 && state.count >= maxSize { return .wait }
            return .done((), pushLocked(item))
        }
    }

    /// Removes and returns the next item, suspending (not blocking) while the queue is empty: the
    /// async twin of ``get(timeout:)``.
    ///
    /// For a time limit, cancel the task (for example from a timeout helper).
    ///
    /// - Throws: ``QueueError/shutDown`` once the queue is shut down and drained,
    ///   ``QueueError/cancelled`` if the task is cancelled while waiting (no item is then taken).
    ///
    /// ```swift
    /// let producer = try spawnThread { for line in readLines() { try queue.put(line) }; queue.shutdown() }
    /// while let line = try? await queue.get() { await handle(line) }
    /// ```
    public func get() async throws(QueueError) -> Element {
        try await suspendUntil(waitingIn: \.asyncGetters, waking: notFull) { () -> Step<Element> in
            if let item = state.pop() { return .done(item, wakePutterLocked()) }
            if state.isShutDown { return .failed(.shutDown) }
            return .wait
        }
    }

    /// What one try of an async operation, made under the lock, came to.
    enum Step<Value> {
        case done(Value, QueueWakeUp)
        case failed(QueueError)
        case wait
    }

    /// Runs `attempt` under the lock until it is done (then wakes the other side, whose threads wait
    /// on `condition`) or failed; while it says `.wait`, suspends in `waiters` until a put, get,
    /// shutdown or cancellation resumes the task. The try and the enqueueing happen in one critical
    /// section, so no wake-up can slip in between.
    private func suspendUntil<Value>(
        waitingIn waiters: ReferenceWritableKeyPath<LockedState, Deque<QueueWaiter>>,
        waking condition: Condition,
        _ attempt: () -> Step<Value>
    ) async throws(QueueError) -> Value {
        let id = lock.withLock {
            state.nextWaiterID &+= 1
            return state.nextWaiterID
        }
        // Each pass ends in a result, an error, or a suspension that only another thread's put, get
        // or shutdown, or a cancellation, resumes.
        while true {
            var outcome = Step<Value>.wait
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let suspended = lock.withLock {
                        outcome = attempt()
                        guard case .wait = outcome else { return false }
                        // An item first, then shutdown, then cancellation: a woken task that finds
                        // an item takes it, so no item is stranded by a cancellation.
                        if Task.isCancelled {
                            outcome = .failed(.cancelled)
                            return false
                        }
                        state[keyPath: waiters].append(QueueWaiter(id: id, continuation: continuation))
                        return true
                    }
                    if !suspended { continuation.resume() }
                }
            } onCancel: {
                let cancelled = lock.withLock { () -> QueueWaiter? in
                    if let index = state.asyncGetters.firstIndex(where: { $0.id == id }) {
                        return state.asyncGetters.remove(at: index)
                    }
                    if let index = state.asyncPutters.firstIndex(where: { $0.id == id }) {
                        return state.asyncPutters.remove(at: index)
                    }
                    return nil
                }
                cancelled?.continuation.resume()
            }
            switch outcome {
            case .done(let result, let wake):
                wake.perform(on: condition)
                return result
            case .failed(let error):
                throw error
            case .wait:
                continue
            }
        }
    }
}
