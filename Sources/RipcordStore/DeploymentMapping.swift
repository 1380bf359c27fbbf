import Foundation
import RipcordCore
import SQLiteDB

/// Reads a `deployments` row (`SELECT * FROM deployments`) into a `Deployment`.
extension Deployment {
    init(row: Row) {
        let labels = Deployment.decodeObject([String: String].self, row.text("labels"))
        let target = Deployment.decodeObject([String: JSONValue].self, row.text("target"))
        self.init(id: row.int("id"), service: row.text("service"), namespace: row.text("namespace"),
                  cluster: row.text("cluster"), environment: row.text("environment"), version: row.text("version"),
                  previousVersion: row.text("previous_version"),
                  strategy: DeploymentStrategy(rawValue: row.text("strategy")) ?? .rolling,
                  labels: labels, target: target, soakSeconds: row["soak_seconds"].double ?? 0,
                  idempotencyKey: row.optionalText("idempotency_key"),
                  state: DeploymentState(rawValue: row.text("state")) ?? .stable,
                  deployedAt: Timestamp(rfc3339: row.text("deployed_at")) ?? .zero,
                  soakEndsAt: Timestamp(rfc3339: row.text("soak_ends_at")) ?? .zero,
                  promotedAt: row.optionalText("promoted_at").flatMap { Timestamp(rfc3339: $0) },
                  supersededBy: row["superseded_by"].int64, recordedBy: row.text("recorded_by"))
    }

    /// A JSON object column; `{}` (a deployment recorded without labels or target) without
    /// starting a decoder, since planning reads every soaking deployment.
    private static func decodeObject<Value: Decodable>(_ type: [String: Value].Type, _ text: String) -> [String: Value] {
        if text == "{}" || text.isEmpty { return [:] }
        return (try? JSONDecoder().decode(type, from: Data(text.utf8))) ?? [:]
    }
}
