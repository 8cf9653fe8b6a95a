import Foundation
import Parallel
import Testing

extension ThreadsTests {
    @Suite("spawnThread and JoinHandle", .timeLimit(.minutes(1)))
    struct JoinHandleTests {
        @Test("join returns the value the thread's closure returned")
        func joinReturnsValue() throws {
            let handle = try spawnThread(name: "adder") { (1...100).reduce(0, +) }
            #expect(try handle.join() == 5050)
        }

        @Test("join rethrows the error the thread's closure threw")
        func joinRethrows() throws {
            let handle = try spawnThread { () throws -> Int in throw Boom(id: 7) }
            #expect(throws: Boom(id: 7)) { try handle.join() }
        }

        @Test("every joiner, blocking or async, gets the same value")
        func manyJoiners() async throws {
            let release = Event()
            let handle = try spawnThread { try release.wait(timeout: .seconds(10)) ? 42 : -1 }
            let joiners = try (0..<3).map { _ in try spawnThread { try handle.join() } }
            release.set()
            #expect(try await handle.value == 42)
            for joiner in joiners { #expect(try await joiner.value == 42) }
            #expect(try await handle.value == 42)
        }

        @Test("the async value rethrows the closure's error")
        func asyncValueRethrows() async throws {
            let handle = try spawnThread { () throws -> Int in throw Boom(id: 3) }
            await #expect(throws: Boom(id: 3)) { try await handle.value }
        }

        @Test("isAlive is true until the closure ends, then false")
        func isAlive() throws {
            let release = Event()
            let handle = try spawnThread { try release.wait(timeout: .seconds(10)) }
            #expect(handle.isAlive)
            release.set()
            #expect(try handle.join())
            #expect(!handle.isAlive)
        }

        @Test("join(timeout:) gives nil after really waiting while the thread runs, then the value")
        func joinTimeout() throws {
            let release = Event()
            let handle = try spawnThread { try release.wait(timeout: .seconds(10)) }
            let (early, elapsed) = try timed { try handle.join(timeout: .milliseconds(50)) }
            #expect(early == nil)
            #expect(elapsed >= .milliseconds(50))
            release.set()
            #expect(try handle.join(timeout: .seconds(10)) == true)
        }

        @Test("unnamed threads are numbered Thread-N; JoinHandle.name keeps the full name")
        func names() throws {
            let unnamed = try spawnThread { 0 }
            #expect(unnamed.name.hasPrefix("Thread-"))
            #expect(Int(unnamed.name.dropFirst("Thread-".count)) != nil)
            let long = try spawnThread(name: "a-very-long-worker-name") { 0 }
            #expect(long.name == "a-very-long-worker-name")
            _ = try unnamed.join()
            _ = try long.join()
        }

        #if os(Linux)
        @Test("the OS sees the thread's name, cut to 15 bytes at a character boundary")
        func osName() throws {
            #expect(try spawnThread(name: "Thread-0") { OSThreads.currentName() }.join() == "Thread-0")
            #expect(try spawnThread(name: "a-very-long-worker-name") { OSThreads.currentName() }.join() == "a-very-long-wor")
            // "é" is two bytes: 14 ASCII bytes + "é" would be 16, so the name stops before it.
            #expect(try spawnThread(name: "abcdefghijklmné") { OSThreads.currentName() }.join() == "abcdefghijklmn")
        }

        @Test("after join returns, the thread has finished exiting (its thread-local destructors ran); the OS then forgets it")
        func joinWaitsForExit() throws {
            // A thread-local destructor runs as the thread exits, after its closure has returned:
            // only a join that waits for the exit itself (pthread_join) is sure to see its mark.
            let exited = UnsafeMutablePointer<Int>.allocate(capacity: 1)
            exited.initialize(to: 0)
            defer { exited.deallocate() }
            var key = pthread_key_t()
            try #require(pthread_key_create(&key) { value in value?.assumingMemoryBound(to: Int.self).pointee = 1 } == 0)
            defer { pthread_key_delete(key) }
            let address = Int(bitPattern: exited)
            let handle = try spawnThread { [key] () -> String in
                pthread_setspecific(key, UnsafeRawPointer(bitPattern: address))
                return (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")) ?? ""
            }
            let taskPath = try handle.join()   // "<pid>/task/<tid>"
            #expect(exited.pointee == 1)
            #expect(taskPath.contains("/task/"))
            #expect(OSThreads.soon { !FileManager.default.fileExists(atPath: "/proc/" + taskPath) })
        }
        #endif

        @Test("a stack size below the system minimum is refused with a typed error")
        func invalidStackSize() {
            #expect(throws: ThreadError.invalidStackSize(requested: 1, minimum: sysconf(Int32(_SC_THREAD_STACK_MIN)))) {
                _ = try spawnThread(stackSize: 1) { 0 }
            }
        }

        #if os(Linux)
        @Test("a thread started with a stack size gets at least that much stack")
        func customStackSize() throws {
            // glibc's pthread_getattr_np is not imported by Swift's Glibc module: look it up.
            typealias GetAttributes = @convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32
            let symbol = try #require(dlsym(nil, "pthread_getattr_np"))
            let getAttributes = unsafeBitCast(symbol, to: GetAttributes.self)
            let requested = 24 << 20 + 123   // more than glibc's usual 8 MiB default, not page-aligned
            let handle = try spawnThread(name: "big-stack", stackSize: requested) { () -> Int in
                var attributes = pthread_attr_t()
                guard getAttributes(pthread_self(), &attributes) == 0 else { return -1 }
                defer { pthread_attr_destroy(&attributes) }
                var size = 0
                pthread_attr_getstacksize(&attributes, &size)
                return size
            }
            #expect(try handle.join() >= requested)
        }
        #endif
    }
}
