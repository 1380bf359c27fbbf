import Foundation

extension ProcessTable {
    /// A running process found by its environment.
    struct Marked {
        let pid: Int32
        let start: String
        let group: Int32
    }

    /// This user's running processes whose environment holds `name=V` for one of `values` (read
    /// from /proc/PID/environ, which the kernel shows only for one's own processes).
    static func processes(withEnvironment name: String, oneOf values: Set<String>) -> [Marked] {
        let entries = Set(values.map { Array("\(name)=\($0)".utf8) })
        let me = getpid()
        guard !entries.isEmpty, let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var found: [Marked] = []
        for name in names {
            guard let pid = Int32(name), pid != me,
                  let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ"),
                  environ.split(separator: 0, omittingEmptySubsequences: true).contains(where: { entries.contains(Array($0)) }),
                  let fields = statFields(of: pid), fields[0] != "Z", let group = Int32(fields[2]) else { continue }
            found.append(Marked(pid: pid, start: String(fields[19]), group: group))
        }
        return found
    }

    /// Stops every process whose environment holds `name=V` for one of `values`, with their groups:
    /// SIGTERM, then SIGKILL after `grace`. One pass over /proc for all of them; returns the pids found.
    public static func stopMarked(_ name: String, oneOf values: Set<String>, grace: Double) -> [Int32] {
        let marked = processes(withEnvironment: name, oneOf: values)
        guard !marked.isEmpty else { return [] }
        let groups = Set(marked.map(\.group)).filter { $0 > 1 && $0 != getpgrp() }
        func alive() -> [Marked] { marked.filter { isRunning(pid: $0.pid, start: $0.start) } }
        terminate(grace: grace, signal: { number in
            for group in groups { kill(-group, number) }
            for process in alive() { kill(process.pid, number) }
        }, running: { !alive().isEmpty })
        return marked.map(\.pid)
    }
}
