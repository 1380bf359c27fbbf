import Foundation
import RipcordCore
import SQLiteDB

/// The SQL behind deliveries: inserting, deduplicating and reading them back.
enum DeliveryRows {
    static func json(_ object: [String: String]) -> String {
        CanonicalJSON.string(object)
    }

    /// A delivery's rows, encoded before the write is queued (on the caller's thread), so the
    /// writer thread, which every write shares, only binds and inserts them.
    struct Prepared {
        let delivery: IncomingDelivery
        let hash: String
        let received: String
        let groupLabels: String
        let commonLabels: String
        let commonAnnotations: String
        /// Per alert: starts_at, ends_at, labels and annotations, as stored.
        let alerts: [(starts: String, ends: String?, labels: String, annotations: String)]
        /// The `delivery.received` event's data, and its summary after "delivery ID: ".
        let receivedData: String
        let receivedSummary: String
        /// The `delivery.duplicate` event's data.
        let duplicateData: String

        init(_ delivery: IncomingDelivery) {
            let group = delivery.group
            self.delivery = delivery
            hash = SHA256.hex(delivery.rawBody)
            received = delivery.receivedAt.rfc3339
            groupLabels = DeliveryRows.json(group.groupLabels)
            commonLabels = DeliveryRows.json(group.commonLabels)
            commonAnnotations = DeliveryRows.json(group.commonAnnotations)
            alerts = group.alerts.map {
                ($0.startsAt.rfc3339Nanoseconds, $0.endsAt?.rfc3339Nanoseconds, DeliveryRows.json($0.labels),
                 DeliveryRows.json($0.annotations))
            }
            let firing = group.alerts.filter { $0.status == .firing }.count
            let names = Set(group.alerts.map(\.alertname)).sorted().joined(separator: ", ")
            receivedSummary = "\(group.status.rawValue), \(group.alerts.count) alert(s) (\(firing) firing: \(names)) from \(delivery.remoteAddress)"
            receivedData = CanonicalJSON.string(.object([
                "receiver": .string(group.receiver), "group_key": .string(group.groupKey),
                "remote_address": .string(delivery.remoteAddress), "truncated_alerts": .int(group.truncatedAlerts),
                "fingerprints": .array(group.alerts.map { .string($0.fingerprint) })]))
            duplicateData = CanonicalJSON.string(.object(["remote_address": .string(delivery.remoteAddress)]))
        }
    }

    static func record(_ prepared: Prepared, in db: Database) throws -> RecordedDelivery {
        let delivery = prepared.delivery
        let group = delivery.group
        let received = prepared.received
        if let existing = try db.queryOne("SELECT id, alert_count FROM deliveries WHERE body_sha256 = ?", [.text(prepared.hash)]) {
            let id = existing.int("id")
            try db.run("INSERT INTO delivery_duplicates (delivery_id, received_at, remote_address, credential) VALUES (?, ?, ?, ?)",
                       [.integer(id), .text(received), .text(delivery.remoteAddress), .text(delivery.credential)])
            try AuditRows.append(AuditRecord(kind: "delivery.duplicate", service: group.commonLabels["service"],
                                             namespace: group.commonLabels["namespace"], deliveryID: id,
                                             actor: delivery.credential,
                                             summary: "duplicate of delivery \(id) from \(delivery.remoteAddress); not processed again"),
                                 encodedData: prepared.duplicateData, db, now: delivery.receivedAt)
            return RecordedDelivery(id: id, duplicate: true, alertCount: Int(existing.int("alert_count")))
        }
        try db.run("""
            INSERT INTO deliveries (received_at, body_sha256, raw_body, version, receiver, status, group_key,
                truncated_alerts, alert_count, external_url, group_labels, common_labels, common_annotations,
                remote_address, credential)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.text(received), .text(prepared.hash), .blob(delivery.rawBody), .text(group.version), .text(group.receiver),
             .text(group.status.rawValue), .text(group.groupKey), .int(group.truncatedAlerts), .int(group.alerts.count),
             .text(group.externalURL), .text(prepared.groupLabels), .text(prepared.commonLabels),
             .text(prepared.commonAnnotations), .text(delivery.remoteAddress), .text(delivery.credential)])
        let id = db.lastInsertRowID
        for (position, (alert, encoded)) in zip(group.alerts, prepared.alerts).enumerated() {
            try db.run("""
                INSERT INTO delivery_alerts (delivery_id, position, status, fingerprint, alertname, starts_at, ends_at,
                    labels, annotations, generator_url)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [.integer(id), .int(position), .text(alert.status.rawValue), .text(alert.fingerprint), .text(alert.alertname),
                 .text(encoded.starts), .optional(encoded.ends), .text(encoded.labels), .text(encoded.annotations),
                 .text(alert.generatorURL)])
        }
        try AuditRows.append(AuditRecord(kind: "delivery.received", service: group.commonLabels["service"],
                                         namespace: group.commonLabels["namespace"], deliveryID: id, actor: delivery.credential,
                                         summary: "delivery \(id): " + prepared.receivedSummary),
                             encodedData: prepared.receivedData, db, now: delivery.receivedAt)
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
