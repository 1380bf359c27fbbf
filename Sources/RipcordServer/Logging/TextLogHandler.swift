import Foundation
import Logging
import RipcordCore

/// Log lines for people: `2026-11-27T00:15:05.947Z notice ripcord: message key=value`, to stderr.
public struct TextLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    let label: String

    /// Creates a handler.
    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        event.metadata?.forEach { merged[$0.key] = $0.value }
        var line = "\(LogClock.now()) \(event.level) \(label): \(event.message)"
        for key in merged.keys.sorted() {
            let value = "\(merged[key]!)"
            let quoted = value.contains(" ") || value.isEmpty ? "\"\(value.replacingOccurrences(of: "\"", with: "\\\""))\"" : value
            line += " \(key)=\(quoted)"
        }
        LogOutput.write(line)
    }
}

/// One JSON object per line (`ts`, `level`, `logger`, `msg`, then metadata), to stderr.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    let label: String

    /// Creates a handler.
    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: String] = [:]
        metadata.forEach { object[$0.key] = "\($0.value)" }
        event.metadata?.forEach { object[$0.key] = "\($0.value)" }
        object["ts"] = LogClock.now()
        object["level"] = "\(event.level)"
        object["logger"] = label
        object["msg"] = "\(event.message)"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(object), let text = String(data: data, encoding: .utf8) else { return }
        LogOutput.write(text)
    }
}

enum LogClock {
    static func now() -> String { Timestamp.now().rfc3339 }
}

enum LogOutput {
    static let lock = NSLock()
    static func write(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
