import Foundation

/// One label matcher in Alertmanager's syntax: `severity="critical"`, `slo=~"availability|latency"`,
/// `env!="dev"`, `team!~"ops.*"`. Regexes are anchored at both ends, as in Alertmanager.
public struct LabelMatcher: Sendable, Hashable, CustomStringConvertible {
    /// How the value is compared.
    public enum Operator: String, Sendable, Hashable {
        case equal = "="
        case notEqual = "!="
        case matchesRegex = "=~"
        case doesNotMatchRegex = "!~"
    }

    /// The label name.
    public let name: String
    /// The comparison.
    public let op: Operator
    /// The value or regex as written.
    public let value: String
    private let regex: AnchoredRegex?

    /// Parses one matcher; throws a readable reason when it is not one.
    public init(parsing text: String) throws(LabelMatcherError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let opRange = trimmed.range(of: #"(=~|!~|!=|=)"#, options: .regularExpression) else {
            throw LabelMatcherError("'\(text)' is not a matcher (use name=\"value\", name!=\"value\", name=~\"regex\" or name!~\"regex\")")
        }
        let name = trimmed[..<opRange.lowerBound].trimmingCharacters(in: .whitespaces)
        guard LabelMatcher.isLabelName(name) else {
            throw LabelMatcherError("'\(name)' is not a valid label name in '\(text)'")
        }
        let op = Operator(rawValue: String(trimmed[opRange]))!
        let rawValue = trimmed[opRange.upperBound...].trimmingCharacters(in: .whitespaces)
        let value = try LabelMatcher.unquote(rawValue, in: text)
        try self.init(name: name, op: op, value: value)
    }

    /// Creates a matcher from its parts; throws when a regex does not compile.
    public init(name: String, op: Operator, value: String) throws(LabelMatcherError) {
        self.name = name
        self.op = op
        self.value = value
        switch op {
        case .matchesRegex, .doesNotMatchRegex:
            do {
                regex = try AnchoredRegex(value)
            } catch {
                throw LabelMatcherError("'\(value)' is not a valid regular expression")
            }
        default:
            regex = nil
        }
    }

    /// Whether a label set matches; a missing label counts as the empty string.
    public func matches(_ labels: [String: String]) -> Bool {
        let actual = labels[name] ?? ""
        switch op {
        case .equal: return actual == value
        case .notEqual: return actual != value
        case .matchesRegex: return regex!.matches(actual)
        case .doesNotMatchRegex: return !regex!.matches(actual)
        }
    }

    /// The matcher in Alertmanager's syntax.
    public var description: String {
        // Escape by Unicode scalar: a quote followed by a combining mark is one Character, so
        // Character-based replacement would leave it unescaped (found by the matcher fuzzer).
        var escaped = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            if scalar == "\\" || scalar == "\"" { escaped.append("\\") }
            escaped.append(scalar)
        }
        return "\(name)\(op.rawValue)\"\(String(escaped))\""
    }

    public static func == (lhs: LabelMatcher, rhs: LabelMatcher) -> Bool {
        lhs.name == rhs.name && lhs.op == rhs.op && lhs.value == rhs.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(op)
        hasher.combine(value)
    }

    static func isLabelName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else {
            return false
        }
        return text.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    /// The value without its quotes and escapes. Works on Unicode scalars, not Characters: a quote
    /// followed by a combining mark is one Character in Swift but still opens a quoted value.
    static func unquote(_ raw: String, in text: String) throws(LabelMatcherError) -> String {
        let scalars = Array(raw.unicodeScalars)
        guard let quote = scalars.first, quote == "\"" || quote == "'" else { return raw }
        guard scalars.count >= 2, scalars.last == quote else {
            throw LabelMatcherError("unterminated quoted value in '\(text)'")
        }
        var out = String.UnicodeScalarView()
        var escaping = false
        for scalar in scalars.dropFirst().dropLast() {
            if escaping {
                switch scalar {
                case "n": out.append("\n")
                case "t": out.append("\t")
                default: out.append(scalar)
                }
                escaping = false
            } else if scalar == "\\" {
                escaping = true
            } else if scalar == quote {
                throw LabelMatcherError("unescaped quote inside the value in '\(text)'")
            } else {
                out.append(scalar)
            }
        }
        if escaping { throw LabelMatcherError("value ends with a lone backslash in '\(text)'") }
        return String(out)
    }
}

/// Why a matcher could not be parsed.
public struct LabelMatcherError: Error, Sendable, CustomStringConvertible {
    /// One readable line.
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A compiled regex anchored at both ends; NSRegularExpression is immutable after creation.
struct AnchoredRegex: @unchecked Sendable {
    let expression: NSRegularExpression

    init(_ pattern: String) throws {
        expression = try NSRegularExpression(pattern: "^(?:\(pattern))$", options: [])
    }

    func matches(_ text: String) -> Bool {
        expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
