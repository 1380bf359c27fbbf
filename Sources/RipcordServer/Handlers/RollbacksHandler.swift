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
        let deploymentRecord: Deployment?
        let triggers: [TriggerView]
        let attempts: [AttemptRecord]
        let decisions: [Decision]
        let timeline: [AuditEvent]
        enum CodingKeys: String, CodingKey {
            case triggers, attempts, decisions, timeline
            case deploymentRecord = "deployment_record"
        }
        func encode(to encoder: Encoder) throws {
            try summary.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(deploymentRecord, forKey: .deploymentRecord)
            try c.encode(triggers, forKey: .triggers)
            try c.encode(attempts, forKey: .attempts)
            try c.encode(decisions, forKey: .decisions)
            try c.encode(timeline, forKey: .timeline)
        }
    }

    static let csvHeader = ["id", "status", "service", "namespace", "deployment", "from_version", "to_version", "policy",
                            "executor", "created_at", "started_at", "finished_at", "duration_seconds", "trigger", "reason"]

    func list(_ context: RequestContext) throws(APIError) -> HTTPResponse {
        let parameters = try QueryParameters(context.request, allowed: ["service", "namespace", "status", "since", "until",
                                                                         "limit", "cursor"])
        let now = Timestamp.now()
        var query = RollbackQuery()
        query.service = parameters.nonEmpty("service")
        query.namespace = parameters.nonEmpty("namespace")
        if let text = parameters.nonEmpty("status") {
            guard let status = RollbackStatus(rawValue: text) else {
                throw APIError.badRequest("status '\(text)' is not one of \(RollbackStatus.allCases.map(\.rawValue).joined(separator: ", "))",
                                          field: "status")
            }
            query.status = status
        }
        query.since = try parameters.time("since", now: now)
        query.until = try parameters.time("until", now: now)
        query.limit = try parameters.int("limit", default: 50, range: 1...500)
        query.before = try parameters.cursor()
        let page: [RollbackSummary]
        do {
            page = try store.rollbacks(query)
        } catch {
            throw APIError(503, "store_unavailable", error.message)
        }
        let next = page.count == query.limit ? page.last.map { String($0.id) } : nil
        if CSVBody.wanted(context.request) {
            return CSVBody.response(header: RollbacksHandler.csvHeader, rows: page.map { RollbacksHandler.csvRow($0, $0.trigger) },
                                    nextCursor: next)
        }
        return JSONBody.response(Page(rollbacks: page, nextCursor: next))
    }

    static func csvRow(_ r: RollbackSummary, _ trigger: String?) -> [String] {
        [String(r.id), r.status.rawValue, r.service, r.namespace, String(r.deployment), r.fromVersion, r.toVersion, r.policy,
         r.executor ?? "", r.createdAt, r.startedAt ?? "", r.finishedAt ?? "", r.durationSeconds.map { String(format: "%.3f", $0) } ?? "",
         trigger ?? "", r.reason]
    }

    func show(_ context: RequestContext) throws(APIError) -> HTTPResponse {
        _ = try QueryParameters(context.request, allowed: [])
        let text = context.parameters["id"] ?? ""
        guard let id = Int64(text), id > 0 else {
            throw APIError.badRequest("rollback id '\(text)' is not a positive integer", field: "id")
        }
        let found: (RollbackSummary, [RollbackTrigger], [AttemptRecord], [Decision])?
        var timeline: [AuditEvent] = []
        var deployment: Deployment?
        do {
            found = try store.rollbackDetail(id: id)
            if let found {
                timeline = try store.timeline(rollbackID: id)
                deployment = try store.deployment(id: found.0.deployment, now: .now())
            }
        } catch {
            throw APIError(503, "store_unavailable", error.message)
        }
        guard let (summary, triggers, attempts, decisions) = found else { throw APIError.notFound("no rollback with id \(id)") }
        let views = triggers.map {
            TriggerView(alertname: $0.alertname, fingerprint: $0.key.fingerprint, startsAt: $0.key.startsAt.rfc3339Nanoseconds,
                        deliveryID: $0.deliveryID)
        }
        return JSONBody.response(Detail(summary: summary, deploymentRecord: deployment, triggers: views, attempts: attempts,
                                        decisions: decisions, timeline: timeline))
    }
}
