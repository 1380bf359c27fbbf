import Foundation

extension ProcessTable {
    /// A running process found by its environment.
    struct Marked {
        let pid: Int32
        let start: String
        let group: Int32
    }

    /// This user's running processes whose environment holds `name=value` exactly (read from
    /// /proc/PID/environ, which the kernel shows only for one's own processes).
    static func processes(withEnvironment name: String, _ value: String) -> [Marked] {
        let entry = Array("\(name)=\(value)".utf8)
        let me = getpid()
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var found: [Marked] = []
        for name in names {
            guard let pid = Int32(name), pid != me,
                  let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ"),
                  environ.split(separator: 0, omittingEmptySubsequences: true).contains(where: { $0.elementsEqual(entry) }),
                  let start = startTime(of: pid), let group = processGroup(of: pid) else { continue }
            found.append(Marked(pid: pid, start: start, group: group))
        }
        return found
    }

    /// The process group of `pid` (field 5 of /proc/PID/stat).
    static func processGroup(of pid: Int32) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 2 ? Int32(fields[2]) : nil
    }

    /// Stops every process whose environment holds `name=value`, with their groups: SIGTERM, then
    /// SIGKILL after `grace`. Returns the pids it found.
    public static func stopMarked(_ name: String, _ value: String, grace: Double) -> [Int32] {
        let marked = processes(withEnvironment: name, value)
        guard !marked.isEmpty else { return [] }
        func alive() -> [Marked] { marked.filter { isRunning(pid: $0.pid, start: $0.start) } }
        func signal(_ number: Int32) {
            for group in Set(marked.map(\.group)) where group > 1 && group != getpgrp() { kill(-group, number) }
            for process in alive() { kill(process.pid, number) }
        }
        signal(SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline, !alive().isEmpty { usleep(50_000) }
        if !alive().isEmpty {
            signal(SIGKILL)
            let hardDeadline = Date().addingTimeInterval(5)
            while Date() < hardDeadline, !alive().isEmpty { usleep(20_000) }
        }
        return marked.map(\.pid)
    }
}
