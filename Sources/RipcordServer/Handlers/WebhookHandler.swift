import Foundation
import Logging
import MicroHTTPServer
import RipcordCore

/// `POST /api/v1/alertmanager`: decode, store durably, answer; nothing slow happens here.
struct WebhookHandler: Sendable {
    let store: any DeliveryStore
    let logger: Logger
    /// Called after a new (not duplicate) delivery is stored; must not block.
    let onStored: @Sendable (Int64, AlertGroup) -> Void
    let metrics: RipcordMetrics

    struct Answer: Encodable {
        let deliveryID: Int64
        let duplicate: Bool
        let alerts: Int
        enum CodingKeys: String, CodingKey {
            case duplicate, alerts
            case deliveryID = "delivery_id"
        }
    }

    func handle(_ context: RequestContext) throws(APIError) -> HTTPResponse {
        let request = context.request
        try WebhookHandler.requireJSON(request)
        let group: AlertGroup
        do {
            group = try NotificationDecoder.decode(request.body)
        } catch {
            throw APIError(400, "invalid_notification", error.message, field: error.field)
        }
        let incoming = IncomingDelivery(rawBody: request.body, group: group, receivedAt: .now(),
                                        remoteAddress: request.remoteAddress,
                                        credential: context.credential?.name ?? "")
        let recorded: RecordedDelivery
        do {
            recorded = try store.recordDelivery(incoming)
        } catch {
            logger.error("could not store a delivery; answering 503 so Alertmanager retries",
                         metadata: ["error": "\(error.message)", "alertmanager.group_key": "\(group.groupKey)"])
            throw APIError(503, "store_unavailable", "the delivery could not be stored (\(error.message)); retry later")
        }
        logger.info(recorded.duplicate ? "duplicate delivery" : "delivery stored",
                    metadata: ["delivery.id": "\(recorded.id)", "delivery.duplicate": "\(recorded.duplicate)",
                               "delivery.alerts": "\(recorded.alertCount)", "delivery.status": "\(group.status.rawValue)",
                               "alertmanager.group_key": "\(group.groupKey)", "auth.credential": "\(incoming.credential)"])
        metrics.delivery(recorded.duplicate ? "duplicate" : "stored")
        if !recorded.duplicate {
            for status in [AlertStatus.firing, .resolved] {
                metrics.alertsReceived(status, count: group.alerts.filter { $0.status == status }.count)
            }
            onStored(recorded.id, group)
        }
        return JSONBody.response(Answer(deliveryID: recorded.id, duplicate: recorded.duplicate, alerts: recorded.alertCount))
    }

    /// 415 unless the body is declared as JSON.
    static func requireJSON(_ request: HTTPRequest) throws(APIError) {
        let declared = request.header("Content-Type") ?? ""
        let mediaType = declared.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard mediaType == "application/json" else {
            throw APIError(415, "unsupported_media_type",
                           declared.isEmpty ? "Content-Type is missing; send application/json"
                                            : "Content-Type '\(declared)' is not accepted; send application/json")
        }
    }
}
