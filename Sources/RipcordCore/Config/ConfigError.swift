/// One mistake in a config file: where it is and what is wrong.
public struct ConfigIssue: Sendable, Hashable, CustomStringConvertible {
    /// The config file.
    public var file: String
    /// 1-based line, 0 when unknown.
    public var line: Int
    /// 1-based column, 0 when unknown.
    public var column: Int
    /// The field's path, e.g. `auth.credentials[1].role`.
    public var field: String
    /// What is wrong, as a sentence a user can act on.
    public var message: String

    /// `file:line:column: field: message`.
    public var description: String {
        let place = line > 0 ? "\(file):\(line):\(column)" : file
        return field.isEmpty ? "\(place): \(message)" : "\(place): \(field): \(message)"
    }
}

/// A config that cannot be used, with every mistake found.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// Every mistake, in file order.
    public var issues: [ConfigIssue]

    /// Creates an error from its issues.
    public init(issues: [ConfigIssue]) {
        self.issues = issues
    }

    /// One line per mistake.
    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }
}
