#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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
    }

    /// The descriptor frames are read from; -1 until ``connect(input:output:)``.
    private(set) var input: Int32 = -1
    /// The descriptor frames are written to; -1 until connected, and once closed (``closeOutput()``).
    private(set) var output: Int32 = -1
    private var outputClosed = false
    /// A socket is written with `send` (no `SIGPIPE`, and `shutdown` closes one direction only).
    private var outputIsSocket = false
    private var outbound: [UInt8] = []
    private var outboundStart = 0
    private var inbound: FrameBuffer
    /// Set after a ``FrameError``: the rest of the stream is noise until it closes.
    private var corrupted = false

    /// A channel reading frames up to `frameLimit` bytes from `input` and writing to `output`. Both
    /// must be non-blocking (`O_NONBLOCK`). A pipe as `output` raises `SIGPIPE` when its reader is
    /// gone, as pipes do: its owner ignores the signal, as workers do.
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
    var wantsWrite: Bool { output >= 0 && outboundStart < outbound.count }

    /// Queues an encoded frame and writes as much as the stream takes now.
    mutating func send(_ frame: [UInt8]) {
        guard !outputClosed else { return }
        outbound.append(contentsOf: frame)
        flush()
    }

    /// Writes as much of the outbound queue as the stream takes without blocking. A failed write
    /// (the other side is gone) drops the queue: the end of the stream reports the loss.
    mutating func flush() {
        guard output >= 0 else { return }
        while outboundStart < outbound.count {
            let written = writeOnce(from: outboundStart)
            if written > 0 {
                outboundStart += written
            } else if written < 0 && errno == EINTR {
                continue
            } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return
            } else {
                outboundStart = outbound.count
            }
        }
        outbound.removeAll(keepingCapacity: outbound.count < 1 << 20)
        outboundStart = 0
    }

    /// Ends the outbound stream (what is still queued is dropped): the other side reads its end and
    /// finishes. Reading goes on until that side closes too. A socket is shut down for writing; a
    /// separate write end (a pipe) is closed here, and its owner must not close it again.
    mutating func closeOutput() {
        guard !outputClosed else { return }
        outputClosed = true
        outbound.removeAll()
        outboundStart = 0
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
        while rounds < 8 {
            rounds += 1
            let count = scratch.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count > 0 {
                if !corrupted {
                    scratch.withUnsafeBytes { inbound.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                }
                if count < scratch.count { break }
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
                reading.frames.append(frame)
            } catch {
                corrupted = true
                reading.corruption = error
            }
        }
        if reading.closed && !corrupted { reading.truncatedBytes = inbound.pendingCount }
        return reading
    }

    private func writeOnce(from start: Int) -> Int {
        outbound.withUnsafeBytes { buffer -> Int in
            guard let base = buffer.baseAddress else { return 0 }
            if outputIsSocket {
                return systemSend(output, base + start, buffer.count - start, noSignalFlag | Int32(MSG_DONTWAIT))
            }
            return write(output, base + start, buffer.count - start)
        }
    }
}

/// `send(2)`, under a name that ``WorkerChannel/send(_:)`` does not shadow.
private func systemSend(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int, _ flags: Int32) -> Int {
    send(fd, buffer, count, flags)
}
