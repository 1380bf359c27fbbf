/// One schema migration as shipped inside the binary.
public struct EmbeddedMigration: Sendable {
    /// The number at the start of the file name.
    public let version: Int
    /// The file name, e.g. `0001_deliveries.sql`.
    public let fileName: String
    /// The SQL text.
    public let sql: [UInt8]
}

/// The migrations compiled into this binary, in order.
public enum EmbeddedMigrations {
    /// Every migration, sorted by version.
    public static let all: [EmbeddedMigration] = [
        EmbeddedMigration(version: 1, fileName: "0001_deliveries.sql", sql: PackageResources._001_deliveries_sql),
        EmbeddedMigration(version: 2, fileName: "0002_deployments_rollbacks.sql",
                          sql: PackageResources._002_deployments_rollbacks_sql),
        EmbeddedMigration(version: 3, fileName: "0003_audit.sql", sql: PackageResources._003_audit_sql),
        EmbeddedMigration(version: 4, fileName: "0004_drop_unused_alert_index.sql",
                          sql: PackageResources._004_drop_unused_alert_index_sql),
        EmbeddedMigration(version: 5, fileName: "0005_rollback_triggers_by_delivery.sql",
                          sql: PackageResources._005_rollback_triggers_by_delivery_sql),
    ]
}
