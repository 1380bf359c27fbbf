import MicroHTTPServer
import RipcordCore

/// `GET /api/v1/deliveries` and `GET /api/v1/deliveries/{id}`: what Alertmanager sent.
struct DeliveriesHandler: Sendable {
    let store: any DeliveryStore

    struct Page: Encodable {
        let deliveries: [DeliverySummary]
        let nextCursor: String?
        enum CodingKeys: String, CodingKey {
            case deliveries
            case nextCursor = "next_cursor"
        }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(deliveries, forKey: .deliveries)
            try c.encode(nextCursor, forKey: .nextCursor)   // null, not absent, on the last page
        }
    }

    func list(_ context: RequestContext) throws(APIError) -> HTTPResponse {
        let query = try QueryParameters(context.request, allowed: ["limit", "cursor"])
        let limit = try query.int("limit", default: 50, range: 1...500)
        var before: Int64?
        if let cursor = query["cursor"], !cursor.isEmpty {
            guard let value = Int64(cursor), value > 0 else {
                throw APIError.badRequest("cursor '\(cursor)' is not one this server gave out", field: "cursor")
            }
            before = value
        }
        do {
            let page = try store.listDeliveries(limit: limit, before: before)
            let next = page.count == limit ? page.last.map { String($0.id) } : nil
            return JSONBody.response(Page(deliveries: page, nextCursor: next))
        } catch {
            throw APIError(503, "store_unavailable", error.message)
        }
    }

    func show(_ context: RequestContext) throws(APIError) -> HTTPResponse {
        _ = try QueryParameters(context.request, allowed: [])
        let text = context.parameters["id"] ?? ""
        guard let id = Int64(text), id > 0 else {
            throw APIError.badRequest("delivery id '\(text)' is not a positive integer", field: "id")
        }
        let detail: DeliveryDetail?
        do {
            detail = try store.delivery(id: id)
        } catch {
            throw APIError(503, "store_unavailable", error.message)
        }
        guard let detail else { throw APIError.notFound("no delivery with id \(id)") }
        return JSONBody.response(detail)
    }
}
