import Foundation

/// Why a webhook body is not a valid Alertmanager version 4 notification.
public struct NotificationError: Error, Sendable, CustomStringConvertible {
    /// The field at fault, as a path (`alerts[0].startsAt`), or nil when the body is not JSON at all.
    public var field: String?
    /// One readable sentence.
    public var message: String

    public var description: String { message }
}

/// Decodes and validates webhook bodies.
public enum NotificationDecoder {
    /// Decodes a webhook body, naming the field at fault when it is not a valid notification.
    public static func decode(_ body: [UInt8]) throws(NotificationError) -> AlertGroup {
        // An empty body gives nil here; the Codable path names it.
        if let group = NotificationFastPath.decode(body) { return group }
        return try decodeWithCodable(body)
    }

    /// The fast path alone: the notification, or nil where `decode` leaves the body to JSONDecoder
    /// (tests and the fuzz target check that the two agree).
    public static func decodeWithFastPath(_ body: [UInt8]) -> AlertGroup? {
        NotificationFastPath.decode(body)
    }

    /// The Codable path alone, which decides every body the fast path gives up on.
    public static func decodeWithCodable(_ body: [UInt8]) throws(NotificationError) -> AlertGroup {
        guard !body.isEmpty else {
            throw NotificationError(field: nil, message: "the request body is empty; expected an Alertmanager webhook (version 4) JSON object")
        }
        do {
            return try JSONDecoder().decode(AlertGroup.self, from: Data(body))
        } catch let error as DecodingError {
            throw describe(error)
        } catch {
            throw NotificationError(field: nil, message: "the body is not valid JSON: \(error)")
        }
    }

    static func path(_ codingPath: [CodingKey]) -> String {
        var out = ""
        for key in codingPath {
            if let index = key.intValue, key.stringValue.hasPrefix("Index") || key.stringValue == String(index) {
                out += "[\(index)]"
            } else {
                out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return out
    }

    static func describe(_ error: DecodingError) -> NotificationError {
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return NotificationError(field: field, message: "field '\(field)' is required")
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            return NotificationError(field: field.isEmpty ? nil : field,
                                     message: field.isEmpty ? "the body must be a JSON object"
                                                            : "field '\(field)' has the wrong type (expected \(typeName(type)))")
        case .valueNotFound(let type, let context):
            let field = path(context.codingPath)
            return NotificationError(field: field, message: "field '\(field)' must not be null (expected \(typeName(type)))")
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            if field.isEmpty {
                return NotificationError(field: nil, message: "the body is not valid JSON")
            }
            let reason = context.debugDescription.contains("Cannot initialize AlertStatus")
                ? "must be \"firing\" or \"resolved\"" : context.debugDescription
            return NotificationError(field: field, message: "field '\(field)': \(reason)")
        @unknown default:
            return NotificationError(field: nil, message: "the body is not a valid notification")
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type: return "an integer"
        case is [Alert].Type, is Array<Any>.Type: return "an array"
        case is [String: String].Type: return "an object of strings"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Dictionary") { return "an object" }
            if name.hasPrefix("Array") { return "an array" }
            return name
        }
    }
}
