/// One value bound to a statement or read from a row.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    /// The value as an integer, when it is one.
    public var int64: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The value as a floating-point number, when it is a number.
    public var double: Double? {
        switch self {
        case .real(let value): return value
        case .integer(let value): return Double(value)
        default: return nil
        }
    }

    /// The value as text, when it is text.
    public var string: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    /// The value as bytes, when it is a blob or text.
    public var bytes: [UInt8]? {
        switch self {
        case .blob(let value): return value
        case .text(let value): return Array(value.utf8)
        default: return nil
        }
    }
}

/// Lets Swift values stand directly in argument lists.
extension SQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(nilLiteral: ()) { self = .null }

    /// Text, or NULL for nil.
    public static func optional(_ text: String?) -> SQLValue {
        text.map { .text($0) } ?? .null
    }

    /// An integer from an `Int`.
    public static func int(_ value: Int) -> SQLValue { .integer(Int64(value)) }
}

/// One result row, read by column index or name.
public struct Row: Sendable {
    /// Column names, in order.
    public let columns: [String]
    /// Values, in column order.
    public let values: [SQLValue]

    /// The value of the named column, or `.null` when there is no such column.
    public subscript(_ name: String) -> SQLValue {
        guard let index = columns.firstIndex(of: name) else { return .null }
        return values[index]
    }

    /// The named column as text ("" when NULL).
    public func text(_ name: String) -> String { self[name].string ?? "" }
    /// The named column as an integer (0 when NULL).
    public func int(_ name: String) -> Int64 { self[name].int64 ?? 0 }
    /// The named column as optional text.
    public func optionalText(_ name: String) -> String? { self[name].string }
}
