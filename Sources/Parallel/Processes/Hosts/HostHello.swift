#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What each side of a host link says first: the protocol version, a digest of the registered task
/// names, the library's wire versions, and the host's system, architecture and cores.
///
/// The pool compares the agent's hello with its own before it starts any worker there: a different
/// protocol, task list or wire format is a permanent error for that host that says what differs.
/// The system, architecture and cores are facts for messages and logs.
struct HostHello: Equatable, Sendable {
    static let protocolVersion = 1

    var fields: [String: String]

    /// This process's hello, with the names of the tasks it registered; without them (nil: a pool
    /// whose program never called ``ProcessWorker/serveIfRequested(_:)``) it names none, and no
    /// task list is compared.
    static func local(tasks: [String]?) -> HostHello {
        var system = utsname()
        uname(&system)
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        var fields = [
            "protocol": "\(protocolVersion)",
            "wire": "frame-\(Frame.magic)/env-\(WorkerEnvironment.version)/binary-\(BinaryFormat.version)",
            "os": text(system.sysname),
            "arch": text(system.machine),
            "cores": "\(ProcessInfo.processInfo.activeProcessorCount)",
        ]
        if let tasks {
            fields["tasks"] = digest(tasks)
            fields["taskCount"] = "\(tasks.count)"
        }
        return HostHello(fields: fields)
    }

    /// FNV-1a over the sorted names, one per line: equal task lists, equal digests.
    static func digest(_ names: [String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in names.sorted().joined(separator: "\n").utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }

    var encoded: [UInt8] {
        Array(fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined().utf8)
    }

    init(fields: [String: String]) {
        self.fields = fields
    }

    /// Parses `key=value` lines; lines without `=` are ignored.
    init(decoding bytes: [UInt8]) {
        var fields: [String: String] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        self.fields = fields
    }

    /// Why a pool with this hello cannot use an agent that said `other`, or nil if it can.
    func mismatch(with other: HostHello) -> String? {
        var differences: [String] = []
        if fields["protocol"] != other.fields["protocol"] {
            differences.append("host protocol \(other.fields["protocol"] ?? "none") where this program speaks \(fields["protocol"] ?? "?")")
        }
        if fields["wire"] != other.fields["wire"] {
            differences.append("wire formats \(other.fields["wire"] ?? "unknown") where this program uses \(fields["wire"] ?? "?")")
        }
        // A pool whose program never called serveIfRequested (it names another executable) has no
        // task list to compare.
        if fields["tasks"] != nil, fields["tasks"] != other.fields["tasks"] {
            differences.append(
                "its program registers other tasks (\(Self.tasks(other.fields["taskCount"])), digest \(other.fields["tasks"] ?? "none"); "
                    + "this program: \(Self.tasks(fields["taskCount"])), digest \(fields["tasks"] ?? "?")): deploy the same build there"
            )
        }
        return differences.isEmpty ? nil : differences.joined(separator: "; ")
    }

    /// "1 task", "3 tasks" or "? tasks", for messages.
    private static func tasks(_ count: String?) -> String {
        count == "1" ? "1 task" : "\(count ?? "?") tasks"
    }

    /// `os/arch, N cores`, for messages.
    var summary: String {
        "\(fields["os"] ?? "?")/\(fields["arch"] ?? "?"), \(fields["cores"] ?? "?") cores"
    }
}
