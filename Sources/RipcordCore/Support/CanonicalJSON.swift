import Foundation

/// Compact JSON text with sorted keys, written without Codable on the intake path.
///
/// The output is byte for byte what `JSONEncoder` writes with `[.sortedKeys, .withoutEscapingSlashes]`
/// (keys in UTF-8 order, `\b \t \n \f \r` and `\u00xx` for other control characters), so audit
/// events written before and after it hash alike; `CanonicalJSONTests` holds it to that. It exists
/// because `JSONEncoder` cost a third of the CPU of storing a delivery.
public enum CanonicalJSON {
    /// An object of strings, e.g. a label set.
    public static func string(_ object: [String: String]) -> String {
        var out = ""
        out.reserveCapacity(16 + object.count * 32)
        appendObject(object, to: &out)
        return out
    }

    /// Any JSON value.
    public static func string(_ value: JSONValue) -> String {
        var out = ""
        append(value, to: &out)
        return out
    }

    static func appendObject(_ object: [String: String], to out: inout String) {
        appendMembers(of: object, to: &out) { appendString($0, to: &$1) }
    }

    /// `{"key":value,...}` with keys in UTF-8 order; `value` writes each value.
    private static func appendMembers<Value>(of object: [String: Value], to out: inout String,
                                             value: (Value, inout String) -> Void) {
        out.append("{")
        for (index, key) in object.keys.sorted(by: utf8Order).enumerated() {
            if index > 0 { out.append(",") }
            appendString(key, to: &out)
            out.append(":")
            value(object[key]!, &out)
        }
        out.append("}")
    }

    static func append(_ value: JSONValue, to out: inout String) {
        switch value {
        case .null: out.append("null")
        case .bool(let flag): out.append(flag ? "true" : "false")
        case .number(let number): appendNumber(number, to: &out)
        case .string(let text): appendString(text, to: &out)
        case .array(let items):
            out.append("[")
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(",") }
                append(item, to: &out)
            }
            out.append("]")
        case .object(let object):
            appendMembers(of: object, to: &out) { append($0, to: &$1) }
        }
    }

    private static func utf8Order(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    private static func appendNumber(_ number: Double, to out: inout String) {
        if number.rounded() == number, abs(number) < 1e15 {
            out.append(String(Int64(number)))
        } else {
            // Rare (audit data holds counts and ids); JSONEncoder's own formatting keeps it identical.
            let encoder = JSONEncoder()
            let text = (try? encoder.encode([number])).map { String(decoding: $0, as: UTF8.self) } ?? "[null]"
            out.append(contentsOf: text.dropFirst().dropLast())
        }
    }

    private static let hexDigits = Array("0123456789abcdef".unicodeScalars)

    private static func appendString(_ text: String, to out: inout String) {
        out.append("\"")
        var needsEscaping = false
        for byte in text.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
            needsEscaping = true
            break
        }
        if !needsEscaping {
            out.append(text)
            out.append("\"")
            return
        }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": scalars.append("\\"); scalars.append("\"")
            case "\\": scalars.append("\\"); scalars.append("\\")
            case "\u{8}": scalars.append("\\"); scalars.append("b")
            case "\t": scalars.append("\\"); scalars.append("t")
            case "\n": scalars.append("\\"); scalars.append("n")
            case "\u{c}": scalars.append("\\"); scalars.append("f")
            case "\r": scalars.append("\\"); scalars.append("r")
            default:
                if scalar.value < 0x20 {
                    scalars.append(contentsOf: "\\u00".unicodeScalars)
                    scalars.append(hexDigits[Int(scalar.value >> 4)])
                    scalars.append(hexDigits[Int(scalar.value & 0xF)])
                } else {
                    scalars.append(scalar)
                }
            }
        }
        out.append(String(scalars))
        out.append("\"")
    }
}
