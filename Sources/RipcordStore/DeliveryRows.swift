import Foundation
import RipcordCore
import SQLiteDB

/// The SQL behind deliveries: inserting, deduplicating and reading them back.
enum DeliveryRows {
    static func json(_ object: [String: String]) -> String {
        CanonicalJSON.string(object)
    }

    static func record(_ delivery: IncomingDelivery, hash: String, in db: Database) throws -> RecordedDelivery {
        let received = delivery.receivedAt.rfc3339
        if let existing = try db.queryOne("SELECT id, alert_count FROM deliveries WHERE body_sha256 = ?", [.text(hash)]) {
            let id = existing.int("id")
            try db.run("INSERT INTO delivery_duplicates (delivery_id, received_at, remote_address, credential) VALUES (?, ?, ?, ?)",
                       [.integer(id), .text(received), .text(delivery.remoteAddress), .text(delivery.credential)])
            try AuditRows.append(AuditRecord(kind: "delivery.duplicate", service: delivery.group.commonLabels["service"],
                                             namespace: delivery.group.commonLabels["namespace"], deliveryID: id,
                                             actor: delivery.credential,
                                             summary: "duplicate of delivery \(id) from \(delivery.remoteAddress); not processed again",
                                             data: ["remote_address": .string(delivery.remoteAddress)]),
                                 db, now: delivery.receivedAt)
            return RecordedDelivery(id: id, duplicate: true, alertCount: Int(existing.int("alert_count")))
        }
        let group = delivery.group
        try db.run("""
            INSERT INTO deliveries (received_at, body_sha256, raw_body, version, receiver, status, group_key,
                truncated_alerts, alert_count, external_url, group_labels, common_labels, common_annotations,
                remote_address, credential)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.text(received), .text(hash), .blob(delivery.rawBody), .text(group.version), .text(group.receiver),
             .text(group.status.rawValue), .text(group.groupKey), .int(group.truncatedAlerts), .int(group.alerts.count),
             .text(group.externalURL), .text(json(group.groupLabels)), .text(json(group.commonLabels)),
             .text(json(group.commonAnnotations)), .text(delivery.remoteAddress), .text(delivery.credential)])
        let id = db.lastInsertRowID
        for (position, alert) in group.alerts.enumerated() {
            try db.run("""
                INSERT INTO delivery_alerts (delivery_id, position, status, fingerprint, alertname, starts_at, ends_at,
                    labels, annotations, generator_url)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [.integer(id), .int(position), .text(alert.status.rawValue), .text(alert.fingerprint), .text(alert.alertname),
                 .text(alert.startsAt.rfc3339Nanoseconds), .optional(alert.endsAt?.rfc3339Nanoseconds),
                 .text(json(alert.labels)), .text(json(alert.annotations)), .text(alert.generatorURL)])
        }
        let firing = group.alerts.filter { $0.status == .firing }.count
        let names = Set(group.alerts.map(\.alertname)).sorted().joined(separator: ", ")
        try AuditRows.append(AuditRecord(kind: "delivery.received", service: group.commonLabels["service"],
                                         namespace: group.commonLabels["namespace"], deliveryID: id, actor: delivery.credential,
                                         summary: "delivery \(id): \(group.status.rawValue), \(group.alerts.count) alert(s) (\(firing) firing: \(names)) from \(delivery.remoteAddress)",
                                         data: ["receiver": .string(group.receiver), "group_key": .string(group.groupKey),
                                                "remote_address": .string(delivery.remoteAddress),
                                                "truncated_alerts": .int(group.truncatedAlerts),
                                                "fingerprints": .array(group.alerts.map { .string($0.fingerprint) })]),
                             db, now: delivery.receivedAt)
        return RecordedDelivery(id: id, duplicate: false, alertCount: group.alerts.count)
    }

    static let summaryColumns = """
        d.id, d.received_at, d.receiver, d.status, d.group_key, d.alert_count, d.truncated_alerts,
        d.remote_address, d.credential,
        (SELECT count(*) FROM delivery_duplicates x WHERE x.delivery_id = d.id) AS duplicates,
        (SELECT count(*) FROM delivery_alerts a WHERE a.delivery_id = d.id AND a.status = 'firing') AS firing,
        (SELECT group_concat(DISTINCT a.alertname) FROM delivery_alerts a WHERE a.delivery_id = d.id) AS alertnames
        """

    static func summary(_ row: Row) -> DeliverySummary {
        let names = row.text("alertnames").split(separator: ",").map(String.init)
        return DeliverySummary(
            id: row.int("id"), receivedAt: row.text("received_at"), receiver: row.text("receiver"),
            status: AlertStatus(rawValue: row.text("status")) ?? .firing, groupKey: row.text("group_key"),
            alertCount: Int(row.int("alert_count")), firingCount: Int(row.int("firing")),
            truncatedAlerts: Int(row.int("truncated_alerts")), duplicates: Int(row.int("duplicates")),
            remoteAddress: row.text("remote_address"), credential: row.text("credential"), alertnames: names.sorted())
    }

    static func list(limit: Int, before: Int64?, in db: Database) throws -> [DeliverySummary] {
        let rows = try db.query("SELECT \(summaryColumns) FROM deliveries d WHERE d.id < ? ORDER BY d.id DESC LIMIT ?",
                                [.integer(before ?? Int64.max), .int(limit)])
        return rows.map(summary)
    }

    static func detail(id: Int64, in db: Database) throws -> DeliveryDetail? {
        guard let row = try db.queryOne("SELECT \(summaryColumns), d.raw_body, d.body_sha256 FROM deliveries d WHERE d.id = ?",
                                        [.integer(id)]) else { return nil }
        let raw = row["raw_body"].bytes ?? []
        let group = try NotificationDecoder.decode(raw)
        let duplicates = try db.query("SELECT received_at, remote_address, credential FROM delivery_duplicates WHERE delivery_id = ? ORDER BY id",
                                      [.integer(id)]).map {
            DuplicateArrival(receivedAt: $0.text("received_at"), remoteAddress: $0.text("remote_address"),
                             credential: $0.text("credential"))
        }
        var detail = DeliveryDetail(summary: summary(row), notification: group, rawBody: String(decoding: raw, as: UTF8.self),
                                    bodySHA256: row.text("body_sha256"), duplicatesSeen: duplicates)
        detail.decisions = try db.query("SELECT * FROM decisions WHERE delivery_id = ? ORDER BY id", [.integer(id)])
            .map(PlanningRows.decision)
        return detail
    }
}
