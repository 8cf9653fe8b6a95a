#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import Parallel
import ParallelTestTasks
import Testing

/// Descriptors beside frames on a worker's channel (`SCM_RIGHTS`): what carries a ``SharedArray``.
@Suite("Descriptor passing", .timeLimit(.minutes(1)))
struct DescriptorPassingTests {
    /// A connected pair of non-blocking Unix stream sockets, closed with the pair.
    final class SocketPair {
        let ends: (Int32, Int32)
        init() throws {
            var fds: [Int32] = [-1, -1]
            #if canImport(Darwin)
            let type = SOCK_STREAM
            #else
            // Close-on-exec in the same step: a program another test starts must not hold an end.
            let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
            #endif
            try #require(socketpair(AF_UNIX, type, 0, &fds) == 0)
            for fd in fds {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            }
            ends = (fds[0], fds[1])
        }
        deinit {
            close(ends.0)
            close(ends.1)
        }
    }

    @Test("a frame sent with descriptors arrives with new descriptors of the same files; those nobody claims are closed")
    func descriptorsTravelWithTheirFrame() throws {
        let pair = try SocketPair()
        let first = try SharedArray<Double>(count: 16)
        let second = try SharedArray<UInt8>(count: 16)
        let (firstFile, secondFile) = (try #require(inode(of: first)), try #require(inode(of: second)))
        var sender = WorkerChannel(input: pair.ends.0, output: pair.ends.0, frameLimit: 1 << 20)
        var receiver = WorkerChannel(input: pair.ends.1, output: pair.ends.1, frameLimit: 1 << 20)
        do {
            let table = DescriptorTable()
            #expect(try table.add(first.descriptor) == 0)
            #expect(try table.add(second.descriptor) == 1)
            #expect(try table.add(first.descriptor) == 0, "an array encoded twice travels once")
            sender.send(Frame.cancel(id: 1).encoded())
            try sender.send(Frame.outputs(id: 2, payload: [9]).encoded(), descriptors: table)
            sender.send(Frame.cancel(id: 3).encoded())
        }
        #expect(!sender.wantsWrite)
        #expect(holdings(of: firstFile, in: getpid()).descriptors == 1, "the sender's duplicates are closed once sent")
        var scratch = [UInt8](repeating: 0, count: 4096)
        do {
            let reading = receiver.readAvailable(using: &scratch)
            #expect(reading.frames == [.cancel(id: 1), .outputs(id: 2, payload: [9]), .cancel(id: 3)])
            #expect(reading.corruption == nil)
            #expect(Array(reading.descriptors.keys) == [1], "the descriptors go with the frame after their announcement")
            let received = try #require(reading.descriptors[1])
            #expect(received.count == 2)
            #expect(holdings(of: firstFile, in: getpid()).descriptors == 2)
            #expect(holdings(of: secondFile, in: getpid()).descriptors == 2)
            let back = try SharedArray<Double>(adopting: try received.claim(0), count: 16)
            back[3] = 4.5
            #expect(first[3] == 4.5, "the same pages")
            #expect(throws: SharedMemoryError.self) { try received.claim(2) }
        }
        #expect(holdings(of: firstFile, in: getpid()).descriptors == 1, "received, claimed or not, they are closed with their table")
        #expect(holdings(of: secondFile, in: getpid()).descriptors == 1)
    }

    @Test("an announcement of descriptors that did not come is a malformed stream, not a hang or a crash")
    func missingDescriptorsAreCorruption() throws {
        let pair = try SocketPair()
        var sender = WorkerChannel(input: pair.ends.0, output: pair.ends.0, frameLimit: 1 << 20)
        var receiver = WorkerChannel(input: pair.ends.1, output: pair.ends.1, frameLimit: 1 << 20)
        sender.send(Frame.descriptors(count: 2).encoded() + Frame.cancel(id: 1).encoded())
        var scratch = [UInt8](repeating: 0, count: 4096)
        let reading = receiver.readAvailable(using: &scratch)
        #expect(reading.frames.isEmpty)
        #expect(reading.corruption == .malformed("2 descriptors announced, 0 received"))
        #expect(throws: FrameError.malformed("254 descriptors announced; at most 253 travel with one message")) {
            try Frame.decode(body: Frame.descriptors(count: 254).encoded().dropFirst(Frame.headerSize))
        }
    }

    @Test("over pipes (no socket, as over ssh) a frame with descriptors is refused with a typed error and nothing is sent")
    func pipesRefuseDescriptors() throws {
        let to = try #require(TestPipe.make(nonBlocking: true))
        let from = try #require(TestPipe.make(nonBlocking: true))
        let toChannel = [to.read, to.write]
        let fromChannel = [from.read, from.write]
        defer { for fd in toChannel + fromChannel { close(fd) } }
        var channel = WorkerChannel(input: toChannel[0], output: fromChannel[1], frameLimit: 1 << 20)
        let array = try SharedArray<Double>(count: 4)
        let table = DescriptorTable()
        _ = try table.add(array.descriptor)
        let error = #expect(throws: DescriptorPassingError.self) {
            try channel.send(Frame.outputs(id: 1, payload: []).encoded(), descriptors: table)
        }
        #expect(error?.description.contains("not a Unix socket") == true)
        var byte: UInt8 = 0
        #expect(read(fromChannel[0], &byte, 1) == -1 && errno == EAGAIN, "nothing was written")
    }
}
