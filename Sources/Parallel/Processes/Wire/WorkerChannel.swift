#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CParallelShims

/// One worker's stream of frames, over any pair of non-blocking byte streams: a read end and a write
/// end, which may be the same descriptor (a pool worker's socketpair) or two (a pipe pair, or the
/// standard streams of `ssh host worker`, for workers on other hosts).
///
/// Frames to send wait in an outbound queue and go out as fast as the stream takes them, never
/// blocking; received bytes are cut into frames, a frame split across reads included. The channel
/// owns no thread and no lock: its owner decides when to ``flush()`` (when `poll` says the write end
/// has room) and when to ``readAvailable(using:)`` (when it says the read end has bytes). Its
/// descriptors stay their owner's (``WorkerProcess``) to close, except a separate write end closed
/// by ``closeOutput()``.
///
/// Over a Unix socket the channel also passes descriptors (the ``SharedArray``s of a payload): a
/// frame sent with a ``DescriptorTable`` is preceded by a ``Frame/descriptors(count:)`` frame whose
/// first byte carries them (`SCM_RIGHTS`), and the reader hands them out beside the frame that
/// follows. Other streams (pipes, `ssh`) refuse such a frame with
/// ``DescriptorPassingError``, never copying or dropping it silently.
///
/// ```swift
/// var channel = WorkerChannel(input: fd, output: fd, frameLimit: 64 << 20)
/// channel.send(Frame.cancel(id: 7).encoded())
/// let reading = channel.readAvailable(using: &scratch)   // reading.frames, reading.closed
/// ```
struct WorkerChannel {
    /// What one ``readAvailable(using:)`` found.
    struct Reading {
        /// The complete frames received, in order.
        var frames: [Frame] = []
        /// The bytes stopped being frames (reported once; whatever follows is discarded).
        var corruption: FrameError?
        /// The other side closed its end, or reading failed: nothing more will come.
        var closed = false
        /// At the close, how many bytes of an unfinished frame were left (more than 0: the stream
        /// was cut in the middle of a message).
        var truncatedBytes = 0
        /// The descriptors that came with `frames[i]`, by `i`.
        var descriptors: [Int: DescriptorTable] = [:]
    }

    /// The descriptor frames are read from; -1 until ``connect(input:output:)``.
    private(set) var input: Int32 = -1
    /// The descriptor frames are written to; -1 until connected, and once closed (``closeOutput()``).
    private(set) var output: Int32 = -1
    /// ``closeOutput()`` was called: a separate write end (a pipe) is closed, or will be by ``connect(input:output:)``.
    private(set) var outputClosed = false
    /// A socket is written with `send` (no `SIGPIPE`, and `shutdown` closes one direction only).
    private var outputIsSocket = false
    /// Descriptors can travel: both ends are one Unix socket.
    private var passesDescriptors = false
    private var outbound: [UInt8] = []
    private var outboundStart = 0
    /// Byte runs written from where they are (``OutgoingFrame``), each before `outbound[offset]`,
    /// in order; `segmentWritten` bytes of the first are written.
    private var outboundSegments: [(offset: Int, segment: ByteSegment)] = []
    private var segmentWritten = 0
    /// Descriptors to send with the byte at `offset` of `outbound` (the start of a
    /// ``Frame/descriptors(count:)`` frame), in order; each table is kept until its `sendmsg`.
    private var outboundDescriptors: [(offset: Int, table: DescriptorTable)] = []
    private var inbound: FrameBuffer
    /// Descriptors received and not yet claimed by a ``Frame/descriptors(count:)`` frame (closed
    /// with the channel).
    private let received = DescriptorTable()
    /// The descriptors announced for the next frame.
    private var announced: DescriptorTable?
    /// Set after a ``FrameError``: the rest of the stream is noise until it closes.
    private var corrupted = false

    /// A channel reading frames up to `frameLimit` bytes from `input` and writing to `output`. Both
    /// must be non-blocking (`O_NONBLOCK`). A pipe as `output` whose reader is gone fails the write
    /// with `EPIPE` and never raises `SIGPIPE` (the pool's process may not ignore it).
    init(input: Int32, output: Int32, frameLimit: Int) {
        self.init(frameLimit: frameLimit)
        connect(input: input, output: output)
    }

    /// A channel whose streams do not exist yet (a worker being started): frames sent meanwhile wait
    /// in the outbound queue until ``connect(input:output:)``.
    init(frameLimit: Int) {
        inbound = FrameBuffer(limit: frameLimit)
    }

    /// Attaches the streams and writes what was queued for them.
    mutating func connect(input: Int32, output: Int32) {
        self.input = input
        self.output = output
        var status = stat()
        outputIsSocket = fstat(output, &status) == 0 && (status.st_mode & S_IFMT) == S_IFSOCK
        var domain: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        passesDescriptors = outputIsSocket && input == output
            && getsockopt(output, SOL_SOCKET, SO_DOMAIN, &domain, &length) == 0 && domain == AF_UNIX
        if outputClosed {
            outputClosed = false
            closeOutput()
        } else {
            flush()
        }
    }

    /// The largest frame body accepted.
    var frameLimit: Int { inbound.limit }

    /// Bytes are waiting to be written: poll the write end for room (`POLLOUT`).
    var wantsWrite: Bool { output >= 0 && (outboundStart < outbound.count || !outboundSegments.isEmpty) }

    /// Queues an encoded frame and writes as much as the stream takes now.
    mutating func send(_ frame: [UInt8]) {
        send(OutgoingFrame(bytes: frame))
    }

    /// Queues an encoded frame, whose segments are written from where they are, and writes as much
    /// as the stream takes now.
    mutating func send(_ frame: OutgoingFrame) {
        guard !outputClosed else { return }
        enqueue(frame)
        flush()
    }

    private mutating func enqueue(_ frame: OutgoingFrame) {
        let base = outbound.count
        if outbound.isEmpty && outboundSegments.isEmpty && frame.bytes.count >= Self.sharedFrameSize {
            // A big frame is queued as it is: the queue shares its storage (the pool's pending
            // copy, kept for a retry) instead of holding a second copy of it.
            outbound = frame.bytes
        } else {
            outbound.append(contentsOf: frame.bytes)
        }
        for (offset, segment) in frame.segments { outboundSegments.append((base + offset, segment)) }
    }

    /// From this size on, a frame sent to an empty queue becomes the queue (see ``send(_:)``); a
    /// queue this big is released, not kept, once written.
    static let sharedFrameSize = 1 << 20

    /// Queues an encoded frame with the descriptors of its payload (none: as ``send(_:)``). The
    /// table is kept until they are written.
    ///
    /// - Throws: ``DescriptorPassingError`` if the stream is not a Unix socket (nothing is queued).
    mutating func send(_ frame: [UInt8], descriptors: DescriptorTable?) throws(DescriptorPassingError) {
        try send(OutgoingFrame(bytes: frame), descriptors: descriptors)
    }

    /// Queues an encoded frame, whose segments are written from where they are, with the
    /// descriptors of its payload, as ``send(_:descriptors:)-([UInt8],_)`` does.
    mutating func send(_ frame: OutgoingFrame, descriptors: DescriptorTable?) throws(DescriptorPassingError) {
        guard let descriptors, descriptors.count > 0 else { return send(frame) }
        guard !outputClosed else { return }
        // Not connected yet: a pool's worker, whose stream is a socketpair; `flush` checks again.
        guard output < 0 || passesDescriptors else { throw DescriptorPassingError(count: descriptors.count) }
        outboundDescriptors.append((outbound.count, descriptors))
        outbound.append(contentsOf: Frame.descriptors(count: descriptors.count).encoded())
        enqueue(frame)
        flush()
    }

    /// Writes as much of the outbound queue as the stream takes without blocking. A failed write
    /// (the other side is gone) drops the queue: the end of the stream reports the loss.
    mutating func flush() {
        guard output >= 0 else { return }
        while outboundStart < outbound.count || !outboundSegments.isEmpty {
            let atSegment = outboundSegments.first?.offset == outboundStart
            let written = atSegment ? writeSegment() : writeOnce(from: outboundStart)
            if written > 0 && atSegment {
                segmentWritten += written
                if segmentWritten == outboundSegments[0].segment.count {
                    outboundSegments.removeFirst()
                    segmentWritten = 0
                }
            } else if written > 0 {
                if outboundDescriptors.first?.offset == outboundStart { outboundDescriptors.removeFirst() }
                outboundStart += written
            } else if written < 0 && errno == EINTR {
                continue
            } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return
            } else {
                // The other side is gone, or the system refused the descriptors (too many in
                // flight): a stream that lost a frame with descriptors is ended, so the worker
                // finishes and its requests fail rather than wait for a frame that never comes.
                if passesDescriptors && outboundDescriptors.first?.offset == outboundStart { _ = shutdown(output, Int32(SHUT_WR)) }
                outboundStart = outbound.count
                outboundSegments.removeAll()
                segmentWritten = 0
            }
        }
        outbound.removeAll(keepingCapacity: outbound.count < Self.sharedFrameSize)
        outboundStart = 0
        outboundDescriptors.removeAll()
    }

    /// Ends the outbound stream (what is still queued is dropped): the other side reads its end and
    /// finishes. Reading goes on until that side closes too. A socket is shut down for writing; a
    /// separate write end (a pipe) is closed here, and its owner must not close it again.
    mutating func closeOutput() {
        guard !outputClosed else { return }
        outputClosed = true
        outbound.removeAll()
        outboundStart = 0
        outboundDescriptors.removeAll()
        outboundSegments.removeAll()
        segmentWritten = 0
        // Not connected yet: `connect` closes it.
        guard output >= 0 else { return }
        if output == input {
            _ = shutdown(output, Int32(SHUT_WR))
        } else {
            _ = close(output)
        }
        output = -1
    }

    /// Reads what the stream holds now (a bounded amount, so one busy stream cannot starve the
    /// others) and returns the complete frames in it. `scratch` is the reader's buffer, shared by all
    /// the channels one thread reads (its size is the most one `read` takes).
    mutating func readAvailable(using scratch: inout [UInt8]) -> Reading {
        var reading = Reading()
        var rounds = 0
        let (input, passesDescriptors, received) = (input, passesDescriptors, received)
        while rounds < 8 {
            rounds += 1
            // The rest of a big frame is read straight into its buffer; anything else via `scratch`.
            var withDescriptors = false
            var asked = scratch.count
            let count = inbound.receive { room in
                asked = room.count
                let (count, descriptors) = Self.receiveOnce(from: input, into: room, passingDescriptors: passesDescriptors, to: received)
                withDescriptors = descriptors
                return count
            } ?? scratch.withUnsafeMutableBytes { buffer in
                let (count, descriptors) = Self.receiveOnce(from: input, into: buffer, passingDescriptors: passesDescriptors, to: received)
                withDescriptors = descriptors
                if count > 0 && !corrupted { inbound.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) }
                return count
            }
            if count > 0 {
                // A message with descriptors ends a `recvmsg` early: more may wait behind it.
                if count < asked && !withDescriptors { break }
            } else if count == 0 {
                reading.closed = true
                break
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                break
            } else {
                reading.closed = true
                break
            }
        }
        while !corrupted {
            do throws(FrameError) {
                guard let frame = try inbound.next() else { break }
                if case .descriptors(let count) = frame {
                    // They came with this frame's first byte, so they have all arrived.
                    guard let table = received.removeFirst(count) else {
                        throw .malformed("\(count) descriptors announced, \(received.count) received")
                    }
                    announced = table
                    continue
                }
                if let table = announced {
                    reading.descriptors[reading.frames.count] = table
                    announced = nil
                }
                reading.frames.append(frame)
            } catch {
                corrupted = true
                reading.corruption = error
            }
        }
        if reading.closed && !corrupted { reading.truncatedBytes = inbound.pendingCount }
        return reading
    }

    /// One `read`; over a socket that passes descriptors, one `recvmsg` whose descriptors join
    /// `received`. The bytes read, and whether descriptors came with them.
    private static func receiveOnce(
        from input: Int32, into buffer: UnsafeMutableRawBufferPointer, passingDescriptors passesDescriptors: Bool, to received: DescriptorTable
    ) -> (count: Int, withDescriptors: Bool) {
        guard passesDescriptors else { return (read(input, buffer.baseAddress, buffer.count), false) }
        var descriptors = [Int32](repeating: -1, count: DescriptorTable.limit)
        var descriptorCount: Int32 = 0
        let count = descriptors.withUnsafeMutableBufferPointer { fds in
            parallel_receive_with_fds(input, buffer.baseAddress, UInt(buffer.count), fds.baseAddress, Int32(fds.count), &descriptorCount, 0)
        }
        if descriptorCount > 0 { received.append(received: descriptors.prefix(Int(descriptorCount))) }
        return (count, descriptorCount > 0)
    }

    /// Writes from `start`: up to the next frame that carries descriptors, or, at one, its bytes
    /// with them.
    private func writeOnce(from start: Int) -> Int {
        var end = outbound.count
        if let next = outboundSegments.first, next.offset > start, next.offset < end { end = next.offset }
        var descriptors: DescriptorTable?
        for (offset, table) in outboundDescriptors {
            if offset == start {
                descriptors = table
            } else if offset > start {
                end = offset
                break
            }
        }
        if descriptors != nil && !passesDescriptors {
            // A stream connected after the frame was queued, which cannot carry them: the write
            // fails, as for a peer that is gone (the end of the stream reports the loss).
            errno = EPIPE
            return -1
        }
        return outbound.withUnsafeBytes { buffer -> Int in
            guard let base = buffer.baseAddress else { return 0 }
            if let descriptors {
                let fds = descriptors.descriptors
                return fds.withUnsafeBufferPointer { fds in
                    parallel_send_with_fds(output, base + start, UInt(end - start), fds.baseAddress, Int32(fds.count))
                }
            }
            return writeNonBlocking(base + start, count: end - start)
        }
    }

    /// One non-blocking write of `count` bytes from `base`, with no `SIGPIPE`.
    private func writeNonBlocking(_ base: UnsafeRawPointer, count: Int) -> Int {
        if outputIsSocket {
            return systemSend(output, base, count, noSignalFlag | Int32(MSG_DONTWAIT))
        }
        return parallel_write_nosigpipe(output, base, UInt(count))
    }
}

extension WorkerChannel {
    /// Writes the rest of the first segment, from where it is.
    private func writeSegment() -> Int {
        guard let segment = outboundSegments.first?.segment else { return 0 }
        var written = 0
        let from = segmentWritten
        segment.withBytes { raw in
            guard let base = raw.baseAddress, from < raw.count else { return }
            written = writeNonBlocking(base + from, count: raw.count - from)
        }
        return written
    }
}

/// A frame with descriptors (a ``SharedArray`` in its payload) for a stream that cannot carry them:
/// only a Unix socket can (a pool's workers on this machine); pipes and remote workers cannot.
struct DescriptorPassingError: Error, Equatable, CustomStringConvertible {
    /// How many descriptors the frame had.
    let count: Int

    var description: String {
        "this worker's channel is not a Unix socket, so it cannot pass the \(count) descriptors of the SharedArrays in "
            + "the message: send their elements (.array) instead, or run the task on a pool worker of this machine"
    }
}

/// `send(2)`, under a name that ``WorkerChannel/send(_:)`` does not shadow.
private func systemSend(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int, _ flags: Int32) -> Int {
    send(fd, buffer, count, flags)
}
