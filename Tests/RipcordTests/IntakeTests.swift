import Foundation
import RipcordCore
import Testing

@Suite("Alertmanager intake", .serialized)
struct IntakeTests {
    @Test("every recorded Alertmanager delivery is accepted and stored with its alerts decoded")
    func everyCaptureIsStored() throws {
        let server = try RunningServer()
        let names = try Captures.names()
        #expect(names.count == 10)
        var ids: [String: Int64] = [:]
        for name in names {
            let body = try Captures.body(name)
            let auth = name.contains("basicauth") ? Secrets.basic : Secrets.alertmanager
            let response = try server.postWebhook(body, auth: auth)
            let json = response.json
            // 07b and 08b are byte-identical re-sends of 07a and 08a.
            let isResend = name.hasPrefix("07b") || name.hasPrefix("08b")
            #expect(response.status == 200, "\(name): \(response.bodyText)")
            #expect(json["duplicate"] as? Bool == isResend, "\(name)")
            ids[name] = (json["delivery_id"] as? NSNumber)?.int64Value
            let group = try NotificationDecoder.decode(body)
            #expect(json["alerts"] as? Int == group.alerts.count)
        }
        #expect(ids["07b-500-retry-attempt.raw"] == ids["07a-500-first-attempt.raw"])
        #expect(ids["08b-400-resent-next-group-interval.raw"] == ids["08a-400-first-attempt.raw"])

        // What was stored reads back as sent.
        let grew = try server.get("/api/v1/deliveries/\(ids["02-firing-group-grew.raw"]!)").json
        #expect(grew["alert_count"] as? Int == 2)
        #expect(grew["firing_count"] as? Int == 2)
        let mixed = try server.get("/api/v1/deliveries/\(ids["03-firing-one-alert-resolved.raw"]!)").json
        #expect(mixed["status"] as? String == "firing")
        let alerts = (mixed["notification"] as? [String: Any])?["alerts"] as? [[String: Any]] ?? []
        #expect(alerts.map { $0["status"] as? String } == ["resolved", "firing"])
        #expect(alerts.first?["endsAt"] as? String == "2026-11-27T00:15:17.000000000Z")
        #expect(alerts.last?["endsAt"] as? String == "0001-01-01T00:00:00.000000000Z")
        #expect(alerts.first?["startsAt"] as? String == "2026-11-27T00:15:04.945209345Z")
        #expect(mixed["firing_count"] as? Int == 1)
        let truncated = try server.get("/api/v1/deliveries/\(ids["05-basicauth-firing-truncated.raw"]!)").json
        #expect(truncated["truncated_alerts"] as? Int == 2)
        #expect(truncated["receiver"] as? String == #"payments\.basic-auth"#)
        #expect(truncated["credential"] as? String == "alertmanager-basic")
        let raw = truncated["raw_body"] as? String
        #expect(raw.map { Array($0.utf8) } == (try Captures.body("05-basicauth-firing-truncated")))
    }

    @Test("a delivery posted twice is stored once and recorded once as a duplicate")
    func redeliveryIsADuplicate() throws {
        let server = try RunningServer()
        let body = try Captures.body("01-firing-first")
        let first = try server.postWebhook(body).json
        let second = try server.postWebhook(body).json
        #expect(first["duplicate"] as? Bool == false)
        #expect(second["duplicate"] as? Bool == true)
        #expect(first["delivery_id"] as? Int == second["delivery_id"] as? Int)
        let list = try server.get("/api/v1/deliveries").json["deliveries"] as? [[String: Any]] ?? []
        #expect(list.count == 1)
        #expect(list.first?["duplicates"] as? Int == 1)
        let detail = try server.get("/api/v1/deliveries/\(first["delivery_id"] as! Int)").json
        #expect((detail["duplicates_seen"] as? [Any])?.count == 1)
    }

    @Test("times with 0 to 9 fractional digits decode to the same instant they name")
    func fractionalDigits() throws {
        let base = "2026-11-27T00:15:04"
        #expect(Timestamp(rfc3339: base + "Z")?.nanoseconds == 0)
        #expect(Timestamp(rfc3339: base + ".9Z")?.nanoseconds == 900_000_000)
        #expect(Timestamp(rfc3339: base + ".945209345Z")?.nanoseconds == 945_209_345)
        #expect(Timestamp(rfc3339: base + ".96934448Z")?.nanoseconds == 969_344_480)
        #expect(Timestamp(rfc3339: base + "+02:00")?.seconds == Timestamp(rfc3339: "2026-11-26T22:15:04Z")?.seconds)
        #expect(Timestamp(rfc3339: base + ".1234567891Z") == nil)
        #expect(Timestamp(rfc3339: "2026-02-30T00:00:00Z") == nil)
        #expect(Timestamp(rfc3339: "0001-01-01T00:00:00Z") == Timestamp.zero)
        #expect(Timestamp(rfc3339: "2026-11-27T00:15:04.945209345Z")?.rfc3339Nanoseconds == "2026-11-27T00:15:04.945209345Z")
    }

    @Test("a still-firing alert's zero endsAt reads as no end")
    func zeroEndsAtMeansFiring() throws {
        let group = try NotificationDecoder.decode(try Captures.body("01-firing-first"))
        #expect(group.alerts.count == 1)
        #expect(group.alerts[0].endsAt == nil)
        #expect(group.alerts[0].fingerprint == "d51e79fea960bb85")
        #expect(group.groupKey == #"{}:{alertname="HighErrorRate", service="checkout"}"#)
        let resolved = try NotificationDecoder.decode(try Captures.body("04-resolved"))
        #expect(resolved.status == .resolved)
        #expect(resolved.alerts.allSatisfy { $0.endsAt != nil })
    }

    @Test("deliveries page newest first with a cursor, and no delivery is skipped or repeated")
    func pagination() throws {
        let server = try RunningServer()
        var posted: [Int] = []
        for name in try Captures.names() where !name.hasPrefix("07b") && !name.hasPrefix("08b") {
            let auth = name.contains("basicauth") ? Secrets.basic : Secrets.alertmanager
            posted.append(try server.postWebhook(try Captures.body(name), auth: auth).json["delivery_id"] as! Int)
        }
        var seen: [Int] = []
        var cursor: String?
        repeat {
            let page = try server.get("/api/v1/deliveries?limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")).json
            seen += (page["deliveries"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            cursor = page["next_cursor"] as? String
        } while cursor != nil
        #expect(seen == posted.reversed())
    }
}
