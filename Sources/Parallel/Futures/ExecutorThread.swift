#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts and joins the raw OS threads (pthreads) of a ``ThreadPoolExecutor``.
///
/// Kept to the three calls the pool needs; the public thread API lives in `Threads/`.
enum ExecutorThread {
    typealias Handle = pthread_t

    /// Carries the name and the closure to the new thread.
    private final class Start: Sendable {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// Starts a joinable thread named `name` (the OS keeps the first 15 bytes on Linux) that runs `body`.
    ///
    /// - Returns: `false` if the system refused to create a thread (out of resources).
    static func start(name: String, _ body: @escaping @Sendable () -> Void) -> Bool {
        let start = Unmanaged.passRetained(Start(name: name, body: body)).toOpaque()
        #if canImport(Darwin)
        var handle: pthread_t?
        #else
        var handle = pthread_t()
        #endif
        let status = pthread_create(&handle, nil, entryPoint, start)
        if status != 0 {
            Unmanaged<Start>.fromOpaque(start).release()
            return false
        }
        return true
    }

    #if canImport(Darwin)
    private static let entryPoint: @convention(c) (UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? = { raw in
        run(raw)
        return nil
    }
    #else
    private static let entryPoint: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { raw in
        if let raw { run(raw) }
        return nil
    }
    #endif

    private static func run(_ raw: UnsafeMutableRawPointer) {
        let start = Unmanaged<Start>.fromOpaque(raw).takeRetainedValue()
        setCurrentName(start.name)
        start.body()
    }

    /// The calling thread's handle.
    static var current: Handle { pthread_self() }

    /// Waits for the thread to end and frees its resources.
    static func join(_ handle: Handle) {
        pthread_join(handle, nil)
    }

    /// Lets the calling thread's resources be freed when it ends, without a join.
    static func detachCurrent() {
        pthread_detach(pthread_self())
    }

    /// Names the calling thread, cut to the 15 bytes Linux allows.
    private static func setCurrentName(_ name: String) {
        var cut = ""
        for character in name {
            // Whole characters only: never cut a multi-byte character in half.
            if cut.utf8.count + character.utf8.count > 15 { break }
            cut.append(character)
        }
        #if canImport(Darwin)
        pthread_setname_np(cut)
        #else
        // Glibc's `pthread_setname_np` is not visible to Swift (it needs _GNU_SOURCE); writing the
        // thread's `comm` file is what it does underneath. A failure only leaves the default name.
        let descriptor = open("/proc/thread-self/comm", O_WRONLY)
        guard descriptor >= 0 else { return }
        _ = cut.withCString { write(descriptor, $0, strlen($0)) }
        close(descriptor)
        #endif
    }
}
