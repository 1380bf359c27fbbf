import Foundation
import RipcordCore

/// JSON as executors write it into arguments and bodies, and read it from programs and APIs.
enum JSONText {
    /// Compact JSON with sorted keys and unescaped slashes (one argument, no whitespace).
    static func compact(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Parses JSON text; for a program's output, from the first line that opens an object or array, so
    /// warnings printed before it do not matter.
    static func parse(_ text: String) -> JSONValue? {
        if let value = decode(text) { return value }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("{") || $0.hasPrefix("[") }) else { return nil }
        return decode(lines[start...].joined(separator: "\n"))
    }

    private static func decode(_ text: String) -> JSONValue? {
        guard let data = text.data(using: .utf8) else { return nil }
        return try? JSONDecoder().decode(JSONValue.self, from: data)
    }
}

extension JSONValue {
    /// The value as an array, when it is one.
    var arrayValue: [JSONValue]? { if case .array(let v) = self { return v }; return nil }
    /// The value as a boolean, when it is one.
    var boolValue: Bool? { if case .bool(let v) = self { return v }; return nil }

    /// The value at a path of object keys, e.g. `["spec", "selector"]`.
    func at(_ path: String...) -> JSONValue? {
        var current: JSONValue? = self
        for key in path { current = current?[key] }
        return current
    }
}
