import Foundation
import MicroHTTPServer

/// Encodes response bodies as JSON.
enum JSONBody {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// A JSON response for any encodable value.
    static func response<T: Encodable>(status: Int = 200, _ value: T) -> HTTPResponse {
        let body: [UInt8]
        do {
            body = Array(try encoder.encode(value)) + [0x0a]
        } catch {
            return HTTPResponse(status: 500, headers: [("Content-Type", "application/json")],
                                body: Array(#"{"error":"internal","message":"could not encode the response"}"#.utf8) + [0x0a])
        }
        return HTTPResponse(status: status, headers: [("Content-Type", "application/json")], body: body)
    }
}
