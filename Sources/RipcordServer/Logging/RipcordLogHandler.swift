import Foundation
import Logging
import RipcordCore

/// Ripcord's log lines on stderr: for people (`text`) or for log pipelines (`json`, one object a line).
public struct RipcordLogHandler: LogHandler {
    /// How lines are written.
    public enum Format: Sendable {
        /// `2026-11-27T00:15:05.947Z notice ripcord: message key=value`
        case text
        /// `{"level":"notice","logger":"ripcord","msg":"message","ts":"…",…metadata}`
        case json
    }

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    let label: String
    let format: Format

    /// Creates a handler.
    public init(label: String, level: Logger.Level, format: Format) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        event.metadata?.forEach { merged[$0.key] = $0.value }
        let now = Timestamp.now().rfc3339
        switch format {
        case .text:
            var line = "\(now) \(event.level) \(label): \(event.message)"
            for key in merged.keys.sorted() {
                let value = "\(merged[key]!)"
                let quoted = value.contains(" ") || value.isEmpty ? "\"\(value.replacingOccurrences(of: "\"", with: "\\\""))\"" : value
                line += " \(key)=\(quoted)"
            }
            LogOutput.write(line)
        case .json:
            var object: [String: String] = [:]
            merged.forEach { object[$0.key] = "\($0.value)" }
            object["ts"] = now
            object["level"] = "\(event.level)"
            object["logger"] = label
            object["msg"] = "\(event.message)"
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            guard let data = try? encoder.encode(object), let text = String(data: data, encoding: .utf8) else { return }
            LogOutput.write(text)
        }
    }
}

/// Serialises lines to stderr.
enum LogOutput {
    static let lock = NSLock()
    static func write(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
