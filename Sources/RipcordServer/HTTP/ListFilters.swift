import RipcordCore

/// Reads the filters the list endpoints share (`since`, `until`, `limit`, `cursor`), 400 on bad values.
extension QueryParameters {
    func time(_ name: String, now: Timestamp) throws(APIError) -> Timestamp? {
        guard let text = self[name], !text.isEmpty else { return nil }
        guard let value = TimeFilter.parse(text, now: now) else {
            throw APIError.badRequest("\(name) '\(text)' is neither an RFC 3339 time nor a duration such as 24h or 7d", field: name)
        }
        return value
    }

    func cursor() throws(APIError) -> Int64? {
        guard let cursor = self["cursor"], !cursor.isEmpty else { return nil }
        guard let value = Int64(cursor), value > 0 else {
            throw APIError.badRequest("cursor '\(cursor)' is not one this server gave out", field: "cursor")
        }
        return value
    }

    func id(_ name: String) throws(APIError) -> Int64? {
        guard let text = self[name], !text.isEmpty else { return nil }
        guard let value = Int64(text), value > 0 else {
            throw APIError.badRequest("\(name) '\(text)' is not a positive integer", field: name)
        }
        return value
    }

    func nonEmpty(_ name: String) -> String? {
        guard let text = self[name], !text.isEmpty else { return nil }
        return text
    }
}
