/// Any JSON value, for free-form blocks such as a deployment's `target`.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let v = try? c.decode(Bool.self) { self = .bool(v) }
        else if let v = try? c.decode(Double.self) { self = .number(v) }
        else if let v = try? c.decode(String.self) { self = .string(v) }
        else if let v = try? c.decode([JSONValue].self) { self = .array(v) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let v): try c.encode(v)
        case .number(let v):
            if v.rounded() == v, abs(v) < 1e15 { try c.encode(Int64(v)) } else { try c.encode(v) }
        case .string(let v): try c.encode(v)
        case .array(let v): try c.encode(v)
        case .object(let v): try c.encode(v)
        }
    }

    /// The value as a string, when it is one.
    public var string: String? { if case .string(let v) = self { return v }; return nil }
    /// The value as a whole number, when it is one.
    public var int: Int? {
        if case .number(let v) = self, v.rounded() == v, abs(v) < 1e15 { return Int(v) }
        return nil
    }
    /// The value as an object, when it is one.
    public var object: [String: JSONValue]? { if case .object(let v) = self { return v }; return nil }
    /// The member of an object.
    public subscript(_ key: String) -> JSONValue? { object?[key] }
}
