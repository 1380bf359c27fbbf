import MicroHTTPServer
import RipcordCore
import RipcordStore

/// `GET /api/v1/rollbacks` and `GET /api/v1/rollbacks/{id}`: what Ripcord rolled back, and how it went.
struct RollbacksHandler: Sendable {
    let store: SQLiteStore

    struct Page: Encodable {
        let rollbacks: [RollbackSummary]
        let nextCursor: String?
        enum CodingKeys: String, CodingKey {
            case rollbacks
            case nextCursor = "next_cursor"
        }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(rollbacks, forKey: .rollbacks)
            try c.encode(nextCursor, forKey: .nextCursor)
        }
    }

    struct TriggerView: Encodable {
        let alertname: String
        let fingerprint: String
        let startsAt: String
        let deliveryID: Int64
        enum CodingKeys: String, CodingKey {
            case alertname, fingerprint
            case startsAt = "starts_at"
            case deliveryID = "delivery_id"
        }
    }

    struct Detail: Encodable {
        let summary: RollbackSummary
        let triggers: [TriggerView]
        let attempts: [AttemptRecord]
        let decisions: [Decision]
        enum CodingKeys: String, CodingKey { case triggers, attempts, decisions }
        func encode(to encoder: Encoder) throws {
            try summary.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(triggers, forKey: .triggers)
            try c.encode(attempts, forKey: .attempts)
            try c.encode(decisions, forKey: .decisions)
        }
    }

    func list(_ context: RequestContext) throws(APIError) -> HTTPResponse {
        let query = try QueryParameters(context.request, allowed: ["service", "status", "limit", "cursor"])
        let limit = try query.int("limit", default: 50, range: 1...500)
        var status: RollbackStatus?
        if let text = query["status"], !text.isEmpty {
            guard let parsed = RollbackStatus(rawValue: text) else {
                throw APIError.badRequest("status '\(text)' is not one of \(RollbackStatus.allCases.map(\.rawValue).joined(separator: ", "))",
                                          field: "status")
            }
            status = parsed
        }
        var before: Int64?
        if let cursor = query["cursor"], !cursor.isEmpty {
            guard let value = Int64(cursor), value > 0 else {
                throw APIError.badRequest("cursor '\(cursor)' is not one this server gave out", field: "cursor")
            }
            before = value
        }
        do {
            let page = try store.rollbacks(service: query["service"].flatMap { $0.isEmpty ? nil : $0 }, status: status,
                                           limit: limit, before: before)
            return JSONBody.response(Page(rollbacks: page, nextCursor: page.count == limit ? page.last.map { String($0.id) } : nil))
        } catch {
            throw APIError(503, "store_unavailable", error.message)
        }
    }

    func show(_ context: RequestContext) throws(APIError) -> HTTPResponse {
        _ = try QueryParameters(context.request, allowed: [])
        let text = context.parameters["id"] ?? ""
        guard let id = Int64(text), id > 0 else {
            throw APIError.badRequest("rollback id '\(text)' is not a positive integer", field: "id")
        }
        let found: (RollbackSummary, [RollbackTrigger], [AttemptRecord], [Decision])?
        do {
            found = try store.rollbackDetail(id: id)
        } catch {
            throw APIError(503, "store_unavailable", error.message)
        }
        guard let (summary, triggers, attempts, decisions) = found else { throw APIError.notFound("no rollback with id \(id)") }
        let views = triggers.map {
            TriggerView(alertname: $0.alertname, fingerprint: $0.key.fingerprint, startsAt: $0.key.startsAt.rfc3339Nanoseconds,
                        deliveryID: $0.deliveryID)
        }
        return JSONBody.response(Detail(summary: summary, triggers: views, attempts: attempts, decisions: decisions))
    }
}
