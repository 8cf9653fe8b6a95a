import PropertyBased
import Testing
@testable import Parallel

/// The host link's messages: what the agent and the pool's relay say to each other over one stream.
@Suite("Host link messages", .timeLimit(.minutes(1)))
struct HostMessageTests {
    static let message = zip(Gen.int(in: 0...9), Gen.uint32(), Gen.uint8().array(of: 0...64), Gen.int32()).map { kind, worker, bytes, word -> HostMessage in
        switch kind {
        case 0: .hello(bytes)
        case 1: .start(worker: worker, frameLimit: Int(word.magnitude) + 1, hasInitializer: word < 0)
        case 2: .data(worker: worker, bytes)
        case 3: .signal(worker: worker, word)
        case 4: .heartbeat
        case 5: .started(worker: worker, pid: word)
        case 6: .startFailed(worker: worker, reason: String(decoding: bytes.map { $0 % 94 + 32 }, as: UTF8.self))
        case 7: .errorOutput(worker: worker, bytes)
        case 8: .exited(worker: worker, waitStatus: word)
        default: .endOfInput(worker: worker)
        }
    }

    /// Feeds `bytes` in chunks of `split` and gathers what the reader gives.
    static func read(_ bytes: [UInt8], split: Int, expectGreeting: Bool) throws(HostLinkError) -> (messages: [HostMessage], preamble: [UInt8]) {
        var reader = HostMessageReader(expectGreeting: expectGreeting)
        var messages: [HostMessage] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + split)
            reader.append(bytes[offset..<end])
            offset = end
            while let message = try reader.next() { messages.append(message) }
        }
        return (messages, reader.preamble)
    }

    @Test("any messages, after any preamble and the greeting, arrive whole and in order however the stream is split")
    func roundTrip() async {
        let preamble = Gen.uint8(in: 1...255).array(of: 0...40)
        await propertyCheck(count: 300, input: Self.message.array(of: 0...20), preamble, Gen.int(in: 1...64)) { messages, preamble, split in
            var bytes = preamble + HostMessage.greeting
            for message in messages { message.encode(into: &bytes) }
            let read = try? Self.read(bytes, split: split, expectGreeting: true)
            #expect(read?.messages == messages)
            #expect(read?.preamble == preamble)
        }
    }

    @Test("bytes that are not messages are typed errors that say what was wrong", arguments: [
        ([42, 0, 0, 0, 0, 0, 0, 0, 0], "unknown message kind 42"),
        ([3, 1, 0, 0, 0, 2, 0, 0, 0, 9, 0], "with 2 bytes instead of 4"),
        ([4, 0, 0, 0, 0, 1, 0, 0, 0, 0], "a heartbeat with 1 bytes"),
        ([9, 0, 0, 0, 0, 1, 0, 0, 0, 0], "an end of input with 1 bytes"),
        ([1, 1, 0, 0, 0, 9, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 7], "a bad limit or flag"),
        ([1, 1, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], "a bad limit or flag"),
        ([2, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff], "the limit is"),
    ] as [([UInt8], String)])
    func malformed(bytes: [UInt8], words: String) {
        #expect {
            _ = try Self.read(bytes, split: bytes.count, expectGreeting: false)
        } throws: { error in
            guard case .malformed(let detail) = error as? HostLinkError else { return false }
            return detail.contains(words)
        }
    }

    @Test("a stream that never greets is refused once its preamble passes the limit, quoting its start")
    func noGreeting() {
        let chatter = Array(String(repeating: "Welcome to the machine\n", count: 4_000).utf8)
        #expect {
            _ = try Self.read(chatter, split: 4096, expectGreeting: true)
        } throws: { error in
            guard case .preamble(let bytes) = error as? HostLinkError else { return false }
            return bytes.count > HostMessageReader.preambleLimit && "\(error)".contains("Welcome to the machine")
        }
    }

    @Test("hellos of the same build match; another task list, protocol or wire format is named in the reason")
    func hellos() {
        let ours = HostHello.local(tasks: ["Square", "Fib"])
        #expect(ours.mismatch(with: HostHello(decoding: ours.encoded)) == nil)
        #expect(ours.mismatch(with: .local(tasks: ["Fib", "Square"])) == nil, "the order of registration does not matter")
        let other = HostHello.local(tasks: ["Square"])
        #expect(ours.mismatch(with: other)?.contains("registers other tasks (1 task, digest") == true)
        var older = ours
        older.fields["protocol"] = "0"
        older.fields["wire"] = "frame-1"
        let reason = ours.mismatch(with: older) ?? ""
        #expect(reason.contains("host protocol 0") && reason.contains("wire formats frame-1"), "\(reason)")
        #expect(HostHello.local(tasks: []).fields["os"]?.isEmpty == false)
    }
}
