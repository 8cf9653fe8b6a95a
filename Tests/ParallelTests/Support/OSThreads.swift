import Foundation

/// What the operating system says about this process's threads (Linux `/proc`).
enum OSThreads {
    /// The calling thread's name as the OS knows it.
    static func currentName() -> String {
        let text = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// How many live threads of this process have a name starting with `prefix`.
    static func count(prefix: String) -> Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.count { task in
            let name = (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)) ?? ""
            return name.hasPrefix(prefix)
        }
    }
}
