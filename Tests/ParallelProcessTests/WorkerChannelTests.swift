#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
@testable import Parallel
import ParallelTestTasks
import Testing

/// A worker's channel over a plain pipe pair (as over `ssh`'s standard streams), not a socketpair.
@Suite("WorkerChannel", .timeLimit(.minutes(1)))
struct WorkerChannelTests {
    /// Two non-blocking pipes: `toChannel` feeds the channel's input, `fromChannel` drains its output.
    final class Pipes {
        let toChannel: (read: Int32, write: Int32)
        let fromChannel: (read: Int32, write: Int32)
        private var open: Set<Int32>

        init() throws {
            // Close-on-exec: a program another test starts meanwhile must not hold an end open.
            toChannel = try #require(TestPipe.make(nonBlocking: true))
            fromChannel = try #require(TestPipe.make(nonBlocking: true))
            open = [toChannel.read, toChannel.write, fromChannel.read, fromChannel.write]
        }

        func close(_ fd: Int32) {
            if open.remove(fd) != nil { _ = systemClose(fd) }
        }

        /// `fd` was closed by the channel: it is not closed again (its number may be another's by then).
        func closedElsewhere(_ fd: Int32) {
            open.remove(fd)
        }

        deinit {
            for fd in open { _ = systemClose(fd) }
        }

        /// Writes all of `bytes` into the channel's input.
        func feed(_ bytes: [UInt8]) {
            let written = bytes.withUnsafeBytes { write(toChannel.write, $0.baseAddress, $0.count) }
            #expect(written == bytes.count)
        }

        /// Everything the channel wrote so far.
        func drain() -> [UInt8] {
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            for _ in 0..<1000 {
                let count = buffer.withUnsafeMutableBytes { read(fromChannel.read, $0.baseAddress, $0.count) }
                guard count > 0 else { break }
                bytes += buffer[0..<count]
            }
            return bytes
        }
    }

    /// Reads until the stream's end (a read that fills less than the buffer stops a round before
    /// it sees the end), gathering the frames.
    func readToEnd(_ channel: inout WorkerChannel, scratch: inout [UInt8]) -> WorkerChannel.Reading {
        var all = WorkerChannel.Reading()
        for _ in 0..<100 where !all.closed {
            let reading = channel.readAvailable(using: &scratch)
            all.frames += reading.frames
            all.corruption = all.corruption ?? reading.corruption
            all.closed = reading.closed
            all.truncatedBytes = reading.truncatedBytes
        }
        return all
    }

    @Test("frames whose big arrays are written from where they are (segments) go out whole and in order, a pipe's worth at a time")
    func segmentsGoOutInOrder() throws {
        let pipes = try Pipes()
        var channel = WorkerChannel(input: pipes.toChannel.read, output: pipes.fromChannel.write, frameLimit: 64 << 20)
        let size = ByteSegment.threshold + 4321
        // A frame of two big arrays, a small one, and one whose big array is followed by its key table.
        func frames(_ id: UInt64, _ seed: UInt8) throws -> [OutgoingFrame] {
            let doubles = (0..<(size / 8)).map { Double($0) + Double(seed) }
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &+ Int(seed)) }
            var arrays = try WireCodec.encodeFrame([doubles.map { $0 * 2 }, doubles], prefix: Frame.outputsHeader(id: id))
            arrays.patchLength()
            var keyed = try WireCodec.encodeFrame(["tail": bytes], prefix: Frame.outputsHeader(id: id + 1))
            keyed.patchLength()
            #expect(arrays.segments.count == 2 && keyed.segments.count == 1)
            return [arrays, OutgoingFrame(bytes: Frame.cancelled(id: id + 2).encoded()), keyed]
        }
        let frames = try frames(1, 3) + frames(4, 5)
        for frame in frames { channel.send(frame) }
        // The pipe holds 64 KiB: the channel writes a little, then waits for room, many times over.
        let total = frames.map(\.count).reduce(0, +)
        var received: [UInt8] = []
        var rounds = 0
        while received.count < total && rounds < 10_000 {
            rounds += 1
            received += pipes.drain()
            channel.flush()
        }
        #expect(!channel.wantsWrite)
        // Compared as one Bool: a failing comparison of megabytes would be rendered as a diff.
        let expected = frames.flatMap { $0.contiguous() }
        let same = received == expected
        #expect(same, "\(received.count) bytes received, \(expected.count) expected")
        var buffer = FrameBuffer(limit: 64 << 20)
        let decoded = try buffer.read(received, piece: 1 << 16)
        #expect(decoded.count == 6)
        if case .outputs(1, let payload)? = decoded.first {
            let back = try WireCodec.decode([[Double]].self, from: payload)
            #expect(back.count == 2 && back[1].first == 3 && back[0].last == Double(size / 8 - 1 + 3) * 2)
        } else {
            Issue.record("the first frame is not the outputs of request 1: \(String(describing: decoded.first))")
        }
    }

    @Test("a write to a pipe whose reader is gone drops the queue and raises no SIGPIPE, whatever the process's disposition")
    func brokenPipeRaisesNoSignal() throws {
        // The test process keeps SIGPIPE's default disposition (it is the application's choice):
        // a SIGPIPE here would end the whole run, as it did in CI before the fix.
        let pipes = try Pipes()
        pipes.close(pipes.fromChannel.read)
        var channel = WorkerChannel(input: pipes.toChannel.read, output: pipes.fromChannel.write, frameLimit: 1 << 20)
        channel.send(Frame.cancel(id: 1).encoded())
        #expect(!channel.wantsWrite, "the lost frame is dropped; the end of the stream reports the loss")
        var pending = sigset_t()
        sigemptyset(&pending)
        sigpending(&pending)
        #expect(sigismember(&pending, SIGPIPE) == 0, "no SIGPIPE is left pending for this thread")
    }

    @Test("frames sent on a pipe pair arrive whole, in order, on the other side")
    func sendsOverPipes() throws {
        let pipes = try Pipes()
        var channel = WorkerChannel(input: pipes.toChannel.read, output: pipes.fromChannel.write, frameLimit: 1 << 20)
        let frames: [Frame] = [.cancel(id: 3), .run(id: 4, task: "Square", count: 1, payload: Array("[5]".utf8))]
        for frame in frames { channel.send(frame.encoded()) }
        #expect(!channel.wantsWrite, "a pipe with room takes everything at once")
        var reader = FrameBuffer(limit: 1 << 20)
        pipes.drain().withUnsafeBytes { reader.append($0) }
        var received: [Frame] = []
        while let frame = try reader.next() { received.append(frame) }
        #expect(received == frames)
    }

    @Test("frames sent before the streams exist wait in the queue and go out on connect")
    func queuesUntilConnected() throws {
        let pipes = try Pipes()
        var channel = WorkerChannel(frameLimit: 1 << 20)
        channel.send(Frame.cancel(id: 9).encoded())
        #expect(!channel.wantsWrite, "nothing to poll for before there is a stream")
        channel.connect(input: pipes.toChannel.read, output: pipes.fromChannel.write)
        #expect(pipes.drain() == Frame.cancel(id: 9).encoded())
    }

    @Test("a frame split across reads is reassembled, and the end of the stream is reported")
    func reassemblesAcrossReads() throws {
        let pipes = try Pipes()
        var channel = WorkerChannel(input: pipes.toChannel.read, output: pipes.fromChannel.write, frameLimit: 1 << 20)
        var scratch = [UInt8](repeating: 0, count: 16)
        let frame = Frame.outputs(id: 12, payload: Array(repeating: 42, count: 300))
        let bytes = frame.encoded()
        pipes.feed(Array(bytes[..<10]))
        let first = channel.readAvailable(using: &scratch)
        #expect(first.frames.isEmpty)
        #expect(!first.closed)
        // The rest is many times the 16-byte scratch buffer: several reads make up one frame.
        pipes.feed(Array(bytes[10...]) + Frame.ready.encoded())
        var frames: [Frame] = []
        for _ in 0..<100 where frames.count < 2 { frames += channel.readAvailable(using: &scratch).frames }
        #expect(frames == [frame, .ready])
        pipes.close(pipes.toChannel.write)
        let end = readToEnd(&channel, scratch: &scratch)
        #expect(end.closed)
        #expect(end.truncatedBytes == 0)
    }

    @Test("a stream that ends in the middle of a frame reports how many bytes were cut off")
    func truncatedEnd() throws {
        let pipes = try Pipes()
        var channel = WorkerChannel(input: pipes.toChannel.read, output: pipes.fromChannel.write, frameLimit: 1 << 20)
        var scratch = [UInt8](repeating: 0, count: 4096)
        pipes.feed(Array(Frame.cancelled(id: 1).encoded().prefix(7)))
        pipes.close(pipes.toChannel.write)
        let end = readToEnd(&channel, scratch: &scratch)
        #expect(end.frames.isEmpty)
        #expect(end.closed)
        #expect(end.truncatedBytes == 7)
    }

    @Test("garbage is reported once as corruption; the frames before it are kept and nothing after")
    func corruption() throws {
        let pipes = try Pipes()
        var channel = WorkerChannel(input: pipes.toChannel.read, output: pipes.fromChannel.write, frameLimit: 1 << 20)
        var scratch = [UInt8](repeating: 0, count: 4096)
        pipes.feed(Frame.ready.encoded() + Array("garbage!".utf8))
        let reading = channel.readAvailable(using: &scratch)
        #expect(reading.frames == [.ready])
        #expect(reading.corruption == .malformed(Frame.badMagic(UInt8(ascii: "a"))))
        pipes.feed(Frame.ready.encoded())
        pipes.close(pipes.toChannel.write)
        let after = readToEnd(&channel, scratch: &scratch)
        #expect(after.frames.isEmpty)
        #expect(after.corruption == nil)
        #expect(after.closed)
        #expect(after.truncatedBytes == 0, "a corrupted stream's leftovers are not a truncated frame")
    }

    @Test("closing the output of a pipe pair ends the other side's stream; later frames are dropped")
    func closeOutput() throws {
        let pipes = try Pipes()
        var channel = WorkerChannel(input: pipes.toChannel.read, output: pipes.fromChannel.write, frameLimit: 1 << 20)
        channel.closeOutput()
        pipes.closedElsewhere(pipes.fromChannel.write)
        channel.send(Frame.cancel(id: 1).encoded())
        var byte: UInt8 = 0
        #expect(read(pipes.fromChannel.read, &byte, 1) == 0, "end of stream, not EAGAIN: the write end is closed")
    }
}

/// `close(2)`, under a name that `Pipes.close(_:)` does not shadow.
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
