import Foundation
import Yams

/// Walks a composed YAML tree, converting values and collecting every mistake with its line.
final class YAMLReader {
    let file: String
    private(set) var issues: [ConfigIssue] = []

    init(file: String) {
        self.file = file
    }

    func report(_ node: Node?, _ field: String, _ message: String) {
        let mark = node?.mark
        issues.append(ConfigIssue(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0,
                                  field: field, message: message))
    }

    /// The keys of a mapping with their value nodes; unknown keys are reported.
    func mapping(_ node: Node, _ field: String, allowed: [String]) -> [String: Node]? {
        guard case .mapping(let mapping) = node else {
            report(node, field, "must be a mapping of keys to values")
            return nil
        }
        var out: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode else {
                report(keyNode, field, "keys must be plain strings")
                continue
            }
            let path = field.isEmpty ? key.string : "\(field).\(key.string)"
            if !allowed.contains(key.string) {
                report(keyNode, path, "unknown key '\(key.string)' (allowed here: \(allowed.joined(separator: ", ")))")
            } else if out[key.string] != nil {
                report(keyNode, path, "appears twice")
            } else {
                out[key.string] = value
            }
        }
        return out
    }

    func sequence(_ node: Node, _ field: String) -> [Node]? {
        if case .sequence(let sequence) = node { return Array(sequence) }
        report(node, field, "must be a list")
        return nil
    }

    func string(_ node: Node, _ field: String) -> String? {
        guard case .scalar(let scalar) = node else {
            report(node, field, "must be a string")
            return nil
        }
        return scalar.string
    }

    func nonEmptyString(_ node: Node, _ field: String) -> String? {
        guard let text = string(node, field) else { return nil }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            report(node, field, "must not be empty")
            return nil
        }
        return text
    }

    func int(_ node: Node, _ field: String, range: ClosedRange<Int>) -> Int? {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string.replacingOccurrences(of: "_", with: "")) else {
            report(node, field, "must be a whole number")
            return nil
        }
        guard range.contains(value) else {
            report(node, field, "must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
            return nil
        }
        return value
    }

    func bool(_ node: Node, _ field: String) -> Bool? {
        guard case .scalar(let scalar) = node else {
            report(node, field, "must be true or false")
            return nil
        }
        switch scalar.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            report(node, field, "must be true or false, got '\(scalar.string)'")
            return nil
        }
    }

    /// A Prometheus-style duration (`30s`, `5m`, `1h`), in seconds.
    func duration(_ node: Node, _ field: String) -> Double? {
        guard let text = string(node, field) else { return nil }
        guard let seconds = DurationText.seconds(text) else {
            report(node, field, "'\(text)' is not a duration (use e.g. 30s, 5m, 1h, 7d)")
            return nil
        }
        return seconds
    }
}
