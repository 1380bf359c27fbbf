import Foundation

/// Reads /proc to tell whether a process still runs and is the one recorded (pids are reused).
public enum ProcessTable {
    /// The process's start time (field 22 of /proc/PID/stat, in clock ticks since boot), or nil when it is gone.
    public static func startTime(of pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After "pid (comm)": state is field 3, so starttime (22) is index 19 here.
        guard fields.count > 19 else { return nil }
        if fields[0] == "Z" { return nil }   // a zombie has finished
        return String(fields[19])
    }

    /// Whether `pid` is still the process that started at `start`.
    public static func isRunning(pid: Int32, start: String?) -> Bool {
        guard let current = startTime(of: pid) else { return false }
        return start == nil || current == start
    }

    /// Stops a process group left behind by a crashed ripcord: SIGTERM, then SIGKILL after `grace`.
    public static func stopGroup(pid: Int32, start: String?, grace: Double) {
        guard isRunning(pid: pid, start: start) else { return }
        kill(-pid, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline {
            if !isRunning(pid: pid, start: start) { return }
            usleep(50_000)
        }
        kill(-pid, SIGKILL)
        let hardDeadline = Date().addingTimeInterval(5)
        while Date() < hardDeadline, isRunning(pid: pid, start: start) { usleep(20_000) }
    }
}
