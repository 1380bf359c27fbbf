import Foundation
import MicroHTTPServer

/// CSV bodies (RFC 4180) for the list endpoints, for spreadsheets and incident reviews.
enum CSVBody {
    /// Whether the client asked for CSV (`Accept: text/csv`).
    static func wanted(_ request: HTTPRequest) -> Bool {
        (request.header("Accept") ?? "").lowercased().contains("text/csv")
    }

    static func field(_ value: String) -> String {
        if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return value
    }

    /// The table as CSV text, header first.
    static func text(header: [String], rows: [[String]]) -> String {
        ([header] + rows).map { $0.map(field).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    /// A `text/csv` response; the next page's cursor travels in a `Link`-style header.
    static func response(header: [String], rows: [[String]], nextCursor: String?) -> HTTPResponse {
        var headers: [(name: String, value: String)] = [("Content-Type", "text/csv; charset=utf-8")]
        if let nextCursor { headers.append(("X-Next-Cursor", nextCursor)) }
        return HTTPResponse(status: 200, headers: headers, body: Array(text(header: header, rows: rows).utf8))
    }
}
