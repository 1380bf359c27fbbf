/// Kubernetes object names (DNS-1123 labels): lowercase letters, digits and '-', at most 63,
/// starting and ending with a letter or digit. Alert label values must pass this before they are
/// used to find a deployment or reach an executor.
public enum KubernetesName {
    /// Whether `text` is a DNS-1123 label.
    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 63 else { return false }
        func alnum(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 48 && b <= 57) }
        guard alnum(bytes.first!), alnum(bytes.last!) else { return false }
        return bytes.allSatisfy { alnum($0) || $0 == 45 }
    }

    /// Why `text` is not a valid name, or nil when it is.
    public static func problem(_ text: String) -> String? {
        if isValid(text) { return nil }
        let shown = text.count > 80 ? String(text.prefix(80)) + "…" : text
        return "'\(shown)' is not a Kubernetes name (lowercase letters, digits and '-', at most 63, starting and ending with a letter or digit)"
    }
}
