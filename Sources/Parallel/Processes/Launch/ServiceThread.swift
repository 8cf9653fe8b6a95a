#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts a detached OS thread running `body` (the pool's I/O loop, a process's waiter).
///
/// Process code needs its own threads: a worker started with `PR_SET_PDEATHSIG` dies when the *thread*
/// that spawned it ends, so spawning happens on a thread that lives exactly as long as its workers,
/// never on a cooperative-pool thread that the runtime may retire.
func startServiceThread(_ body: @escaping @Sendable () -> Void) throws(ProcessPoolError) {
    final class Box: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    #if canImport(Darwin)
    var thread: pthread_t?
    #else
    var thread = pthread_t()
    #endif
    let status = pthread_create(&thread, nil, { argument in
        guard let argument else { return nil }
        Unmanaged<Box>.fromOpaque(argument).takeRetainedValue().body()
        return nil
    }, box)
    guard status == 0 else {
        Unmanaged<Box>.fromOpaque(box).release()
        throw .spawnFailed(executable: "a service thread", reason: String(cString: strerror(status)))
    }
    #if canImport(Darwin)
    if let thread { pthread_detach(thread) }
    #else
    pthread_detach(thread)
    #endif
}
