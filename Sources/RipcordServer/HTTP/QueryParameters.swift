import MicroHTTPServer

/// A request's query parameters, with unknown names and bad values refused (400).
struct QueryParameters {
    private var values: [String: String] = [:]

    init(_ request: HTTPRequest, allowed: Set<String>) throws(APIError) {
        for (name, value) in request.query {
            guard allowed.contains(name) else {
                let hint = allowed.isEmpty ? "this endpoint takes none" : "allowed: \(allowed.sorted().joined(separator: ", "))"
                throw APIError.badRequest("unknown query parameter '\(name)' (\(hint))", field: name)
            }
            guard values[name] == nil else {
                throw APIError.badRequest("query parameter '\(name)' is given twice", field: name)
            }
            values[name] = value
        }
    }

    subscript(_ name: String) -> String? { values[name] }

    func int(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws(APIError) -> Int {
        guard let text = values[name], !text.isEmpty else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.badRequest("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), got '\(text)'",
                                      field: name)
        }
        return value
    }
}
