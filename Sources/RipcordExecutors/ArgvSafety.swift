/// The last check before a value from a deployment's target becomes a program argument: nothing a
/// program could read as a flag, and nothing that splits or hides (whitespace, control characters).
enum ArgvSafety {
    /// Why `value` must not be passed as an argument, or nil when it may.
    static func problem(_ value: String) -> String? {
        if value.isEmpty { return "is empty" }
        if value.hasPrefix("-") { return "'\(value.prefix(60))' starts with '-' and would be read as a flag" }
        if value.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }) {
            return "contains whitespace or control characters"
        }
        return nil
    }
}
