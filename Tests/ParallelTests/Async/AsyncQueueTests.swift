import Testing
@testable import Parallel

@Suite("AsyncQueue", .timeLimit(.minutes(1)))
struct AsyncQueueTests {
    @Test("FIFO, LIFO and priority orders")
    func orders() async throws {
        let fifo = try AsyncQueue<Int>(), lifo = try AsyncQueue<Int>(order: .lifo), priority = try AsyncQueue<Int>(order: .priority)
        for value in [3, 1, 2] {
            try await fifo.put(value)
            try await lifo.put(value)
            try await priority.put(value)
        }
        var taken: [[Int]] = [[], [], []]
        for _ in 0..<3 {
            taken[0].append(try await fifo.get())
            taken[1].append(try await lifo.get())
            taken[2].append(try await priority.get())
        }
        #expect(taken == [[3, 1, 2], [2, 1, 3], [1, 2, 3]])
    }

    @Test("a custom priority keeps equal elements in the order they were put")
    func stablePriority() throws {
        let queue = try AsyncQueue<(rank: Int, name: String)>(order: .priority(by: { $0.rank < $1.rank }))
        for item in [(2, "x"), (1, "a"), (2, "y"), (1, "b")] { try queue.putNowait(item) }
        var names: [String] = []
        while let item = try? queue.getNowait() { names.append(item.name) }
        #expect(names == ["a", "b", "x", "y"])
    }

    @Test("a bounded queue refuses putNowait when full, and put waits until a get makes room")
    func bounded() async throws {
        let queue = try AsyncQueue<Int>(maxSize: 2)
        try queue.putNowait(1)
        try queue.putNowait(2)
        #expect(throws: AsyncQueueError.full) { try queue.putNowait(3) }
        #expect(throws: AsyncQueueError.empty) { try AsyncQueue<Int>().getNowait() }
        let putter = Task { try await queue.put(3) }
        #expect(try await queue.get() == 1)
        try await putter.value
        #expect(try await queue.get() == 2)
        #expect(try await queue.get() == 3)
        #expect(queue.count == 0)
    }

    @Test("the state machine lets waiting putters in together, in order, once the queue is half empty")
    func watermark() {
        var machine = AsyncQueue<Int>.StateMachine<String, String>(maxSize: 4, order: .fifo)
        for value in 0..<4 { _ = machine.put(value) }
        let waits = [
            machine.waitToPut(machine.makeWaiterID(), 4, "p4", isCancelled: false),
            machine.waitToPut(machine.makeWaiterID(), 5, "p5", isCancelled: false),
        ]
        #expect(waits.allSatisfy { if case .suspended = $0 { true } else { false } })
        var taken: [Int] = []
        var woken: [String] = []
        for _ in 0..<6 {
            if case .element(let value, let putters) = machine.get() {
                taken.append(value)
                woken += putters
                if taken.count == 1 { #expect(putters.isEmpty) }   // 3 left: above the watermark
                if taken.count == 2 { #expect(putters == ["p4", "p5"]) }
            }
        }
        #expect(taken == [0, 1, 2, 3, 4, 5] && woken == ["p4", "p5"] && machine.unfinished == 6)
    }

    @Test("a getter cancelled while a put arrives: the element is delivered once, to it or to the queue")
    func getterCancelRace() async throws {
        for round in 0..<500 {
            let queue = try AsyncQueue<Int>()
            let getter = Task { try? await queue.get() }
            async let cancel: Void = getter.cancel()
            async let put: Void = queue.put(round)
            _ = try await (cancel, put)
            let got = await getter.value
            if let got {
                #expect(got == round && queue.count == 0)
            } else {
                #expect(try queue.getNowait() == round)
            }
        }
    }

    @Test("a putter cancelled while a get makes room: its element is added once or not at all")
    func putterCancelRace() async throws {
        for round in 0..<500 {
            let queue = try AsyncQueue<Int>(maxSize: 1)
            try queue.putNowait(-1)
            let putter = Task { () -> Bool in
                do { try await queue.put(round); return true } catch { return false }
            }
            async let cancel: Void = putter.cancel()
            async let get = queue.get()
            let (_, first) = try await (cancel, get)
            #expect(first == -1)
            let added = await putter.value
            #expect(queue.count == (added ? 1 : 0))
            if added { #expect(try queue.getNowait() == round) }
        }
    }

    @Test("taskDone and join: join returns once every element put is marked done")
    func taskDoneJoin() async throws {
        let queue = try AsyncQueue<Int>()
        try await queue.join()   // nothing unfinished
        for value in 0..<3 { try await queue.put(value) }
        let joined = AsyncTestFlag()
        let joiner = Task { try await queue.join(); joined.set() }
        for _ in 0..<3 {
            _ = try await queue.get()
            #expect(!joined.value)
            try queue.taskDone()
        }
        try await joiner.value
        #expect(joined.value)
        #expect(throws: AsyncQueueError.taskDoneTooManyTimes) { try queue.taskDone() }
    }

    @Test("shutdown stops puts and waiting gets; remaining elements can still be taken")
    func shutdown() async throws {
        let queue = try AsyncQueue<Int>()
        let waitingGetter = Task { try await queue.get() }
        let emptyWait = try AsyncQueue<Int>()
        let idle = Task { try await emptyWait.get() }
        emptyWait.shutdown()
        await #expect(throws: AsyncQueueError.shutDown) { try await idle.value }
        try await queue.put(1)
        #expect(try await waitingGetter.value == 1)
        try await queue.put(2)
        queue.shutdown()
        await #expect(throws: AsyncQueueError.shutDown) { try await queue.put(3) }
        #expect(try await queue.get() == 2)
        await #expect(throws: AsyncQueueError.shutDown) { try await queue.get() }
    }

    @Test("shutdown(immediate:) drops the elements, counts them done and wakes join")
    func shutdownImmediately() async throws {
        let queue = try AsyncQueue<Int>(maxSize: 1)
        try await queue.put(1)
        let blockedPutter = Task { try await queue.put(2) }
        let joiner = Task { try await queue.join() }
        queue.shutdown(immediate: true)
        try await joiner.value
        #expect(queue.count == 0)
        _ = await blockedPutter.result   // shut down, or admitted before the shutdown: never stuck
        await #expect(throws: AsyncQueueError.shutDown) { try await queue.get() }
    }

    @Test("10 producers and 10 consumers move 10,000 elements through a small queue, each exactly once")
    func stress() async throws {
        let queue = try AsyncQueue<Int>(maxSize: 8)
        let received = LockedValue<[Int]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<10 {
                group.addTask { for i in 0..<1_000 { try await queue.put(producer * 1_000 + i) } }
            }
            for _ in 0..<10 {
                group.addTask {
                    for _ in 0..<1_000 {
                        let value = try await queue.get()
                        received.withLock { $0.append(value) }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(received.withLock { $0.sorted() } == Array(0..<10_000))
    }
}
