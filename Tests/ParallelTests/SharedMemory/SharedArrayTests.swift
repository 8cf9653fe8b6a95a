#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
@testable import Parallel
import ParallelTestTasks
import Testing

/// How many descriptors and mappings this process holds of the memory file `inode` (other suites'
/// arrays, made meanwhile, have other inodes), from `/proc/self/fd` and `/proc/self/maps`.
private func sharedMemoryInUse(_ inode: UInt64) -> (descriptors: Int, mappings: Int) {
    let maps = readProcFile("/proc/self/maps")
    let mappings = maps.split(separator: "\n").count { line in
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        return fields.count > 5 && fields[4] == "\(inode)" && line.contains("memfd:parallel-shared-array")
    }
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    let descriptors = entries.count { entry in
        let path = "/proc/self/fd/\(entry)"
        var status = stat()
        return (try? FileManager.default.destinationOfSymbolicLink(atPath: path))?.contains("memfd:parallel-shared-array") == true
            && stat(path, &status) == 0 && UInt64(status.st_ino) == inode
    }
    return (descriptors, mappings)
}

@Suite("SharedArray", .serialized, .timeLimit(.minutes(1)))
struct SharedArrayTests {
    @Test("a new array of numbers is zeros; elements written through one mapping are read through another of the same memory")
    func twoMappingsShareTheirPages() throws {
        let array = try SharedArray<Double>(count: 1_000)
        #expect(array.count == 1_000)
        #expect(array.allSatisfy { $0 == 0 })
        // What a worker does with the descriptor it receives: its own mapping of the same file.
        let other = try SharedArray<Double>(adopting: dup(array.descriptor), count: 1_000)
        array[10] = 1.5
        other[20] = 2.5
        #expect(other[10] == 1.5)
        #expect(array[20] == 2.5)
        other.withUnsafeMutableBufferPointer { buffer in
            for index in buffer.indices { buffer[index] = Double(index) }
        }
        #expect(array.array == (0..<1_000).map(Double.init))
    }

    @Test("made from elements or repeating one, an array holds exactly them; an empty one maps nothing")
    func initializers() throws {
        #expect(try SharedArray([1, 2, 3] as [Int32]).array == [1, 2, 3])
        #expect(try SharedArray(repeating: true, count: 5).array == Array(repeating: true, count: 5))
        let empty = try SharedArray<UInt8>([])
        #expect(empty.isEmpty && empty.descriptor == -1)
        #expect(empty.withUnsafeBufferPointer { $0.count } == 0)
    }

    @Test("when the last holder lets go, no descriptor or mapping of the memory is left in the process, and nothing is in /dev/shm")
    func nothingLeftBehind() throws {
        let shmBefore = (try? FileManager.default.contentsOfDirectory(atPath: "/dev/shm")) ?? []
        var file: UInt64 = 0
        do {
            let array = try SharedArray<Int>(count: 1 << 20)
            var status = stat()
            try #require(fstat(array.descriptor, &status) == 0)
            file = UInt64(status.st_ino)
            let other = try SharedArray<Int>(adopting: dup(array.descriptor), count: 1 << 20)
            array[0] = 1
            #expect(other[0] == 1)
            let during = sharedMemoryInUse(file)
            #expect(during.descriptors == 2)
            #expect(during.mappings == 2)
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: "/dev/shm")) ?? []) == shmBefore)
        }
        let after = sharedMemoryInUse(file)
        #expect(after.descriptors == 0)
        #expect(after.mappings == 0)
    }

    @Test("a negative or overflowing count is an InvalidArgumentError that says what was wrong")
    func badCounts() {
        #expect(throws: InvalidArgumentError(argument: "count", value: "-1", expected: "at least 0")) {
            try SharedArray<Double>(count: -1)
        }
        #expect(throws: InvalidArgumentError.self) { try SharedArray<Double>(count: Int.max / 4) }
        #expect(throws: SharedMemoryError.self) { try SharedArray<UInt8>(count: Int.max / 2) }
    }

    @Test("a descriptor too small for the count, or none at all, is refused as malformed, and closed")
    func badDescriptors() throws {
        let small = try SharedArray<UInt8>(count: 100)
        let copy = dup(small.descriptor)
        #expect(throws: SharedMemoryError.malformed("the shared memory for 200 elements (200 bytes) is smaller or missing")) {
            try SharedArray<UInt8>(adopting: copy, count: 200)
        }
        #expect(fcntl(copy, F_GETFD) == -1, "the refused descriptor was closed")
        #expect(throws: SharedMemoryError.self) { try SharedArray<UInt8>(adopting: -1, count: 10) }
        #expect(throws: SharedMemoryError.self) { try SharedArray<Double>(adopting: dup(small.descriptor), count: -1) }
    }
}
