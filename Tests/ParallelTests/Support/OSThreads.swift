import Foundation

/// What the operating system says about this process's threads (Linux `/proc`).
enum OSThreads {
    /// The calling thread's name as the OS knows it.
    static func currentName() -> String {
        let text = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether `condition` holds now or within `limit`, checked every millisecond. Only for the
    /// kernel's bookkeeping of an exited thread: its `/proc` entry can trail `pthread_join` by a
    /// moment (the joiner wakes when the thread leaves its memory, before the kernel releases the
    /// task), and nothing signals its removal.
    static func soon(within limit: Duration = .seconds(2), _ condition: () -> Bool) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while clock.now < deadline {
            if condition() { return true }
            usleep(1_000)
        }
        return condition()
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
