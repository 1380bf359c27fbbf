import Foundation

/// Renders what an executor ran (argv, environment, HTTP request) as JSON for the audit; secrets are
/// replaced before they get here.
enum RequestRecord {
    static let redacted = "<redacted>"

    static func json(_ object: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }
}

extension Double {
    /// Seconds with millisecond precision, for messages.
    var secondsText: String { String(format: "%.3fs", self) }
}
