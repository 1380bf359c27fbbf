import Foundation

/// Reads /proc to tell whether a process still runs and is the one recorded (pids are reused).
public enum ProcessTable {
    /// The fields of /proc/PID/stat after "pid (comm)": state first, so the process group (field 5)
    /// is index 2 and the start time (field 22) index 19; nil when the process is gone.
    static func statFields(of pid: Int32) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? fields : nil
    }

    /// The process's start time (field 22 of /proc/PID/stat, in clock ticks since boot), or nil when it is gone.
    public static func startTime(of pid: Int32) -> String? {
        guard let fields = statFields(of: pid), fields[0] != "Z" else { return nil }   // a zombie has finished
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
        terminate(grace: grace, signal: { kill(-pid, $0) }, running: { isRunning(pid: pid, start: start) })
    }

    /// Sends SIGTERM, waits up to `grace` for `running` to turn false, then SIGKILL and up to 5 s more.
    static func terminate(grace: Double, signal: (Int32) -> Void, running: () -> Bool) {
        signal(SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline {
            if !running() { return }
            usleep(50_000)
        }
        signal(SIGKILL)
        let hardDeadline = Date().addingTimeInterval(5)
        while Date() < hardDeadline, running() { usleep(20_000) }
    }
}
