import MicroHTTPServer
import RipcordCore
import RipcordStore

/// `GET /api/v1/audit`: every event, newest first, filtered; JSON or CSV.
struct AuditHandler: Sendable {
    let store: SQLiteStore

    struct Page: Encodable {
        let events: [AuditEvent]
        let nextCursor: String?
        enum CodingKeys: String, CodingKey {
            case events
            case nextCursor = "next_cursor"
        }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(events, forKey: .events)
            try c.encode(nextCursor, forKey: .nextCursor)
        }
    }

    static let csvHeader = ["id", "at", "kind", "service", "namespace", "deployment_id", "rollback_id", "delivery_id",
                            "actor", "summary", "hash"]

    func list(_ context: RequestContext) throws(APIError) -> HTTPResponse {
        let parameters = try QueryParameters(context.request, allowed: ["service", "namespace", "deployment", "rollback", "kind",
                                                                         "since", "until", "limit", "cursor"])
        let now = Timestamp.now()
        var query = AuditQuery()
        query.service = parameters.nonEmpty("service")
        query.namespace = parameters.nonEmpty("namespace")
        query.deploymentID = try parameters.id("deployment")
        query.rollbackID = try parameters.id("rollback")
        query.kind = parameters.nonEmpty("kind")
        query.since = try parameters.time("since", now: now)
        query.until = try parameters.time("until", now: now)
        query.limit = try parameters.int("limit", default: 50, range: 1...500)
        query.before = try parameters.cursor()
        let events: [AuditEvent]
        do {
            events = try store.auditEvents(query)
        } catch {
            throw APIError(503, "store_unavailable", error.message)
        }
        let next = events.count == query.limit ? events.last.map { String($0.id) } : nil
        if CSVBody.wanted(context.request) {
            let rows = events.map { e in
                [String(e.id), e.at, e.kind, e.service ?? "", e.namespace ?? "", e.deploymentID.map(String.init) ?? "",
                 e.rollbackID.map(String.init) ?? "", e.deliveryID.map(String.init) ?? "", e.actor, e.summary, e.hash]
            }
            return CSVBody.response(header: AuditHandler.csvHeader, rows: rows, nextCursor: next)
        }
        return JSONBody.response(Page(events: events, nextCursor: next))
    }
}
