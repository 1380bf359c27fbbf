import Foundation
import Yams

/// Loads and validates `ripcord.yml`, reading every secret file it names.
public enum ConfigLoader {
    static let topLevelKeys = ["listen", "database", "limits", "auth", "deployments", "deliveries", "executors", "policies",
                               "audit", "tls"]

    /// Loads the file; throws a `ConfigError` naming file, line and field of every mistake.
    public static func load(path: String) throws(ConfigError) -> RipcordConfig {
        let absolute = absolutePath(path, relativeTo: FileManager.default.currentDirectoryPath)
        guard let data = FileManager.default.contents(atPath: absolute) else {
            let reason = FileManager.default.fileExists(atPath: absolute) ? "cannot be read" : "does not exist"
            throw ConfigError(issues: [ConfigIssue(file: absolute, line: 0, column: 0, field: "",
                                                   message: "config file \(reason)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(issues: [ConfigIssue(file: absolute, line: 0, column: 0, field: "",
                                                   message: "config file is not UTF-8 text")])
        }
        return try parse(yaml: text, file: absolute)
    }

    /// Parses config text; relative paths inside are relative to `file`'s folder.
    public static func parse(yaml text: String, file: String) throws(ConfigError) -> RipcordConfig {
        let reader = YAMLReader(file: file)
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError(issues: [yamlIssue(error, file: file)])
        } catch {
            throw ConfigError(issues: [ConfigIssue(file: file, line: 0, column: 0, field: "", message: "\(error)")])
        }
        var config = RipcordConfig()
        config.file = file
        let folder = (file as NSString).deletingLastPathComponent
        config.database = absolutePath(config.database, relativeTo: folder)
        guard let node else { return try finish(config, reader) }
        guard let top = reader.mapping(node, "", allowed: topLevelKeys) else { return try finish(config, reader) }

        if let value = top["listen"], let text = reader.nonEmptyString(value, "listen") {
            if let address = ListenAddress(text) {
                config.listen = address
            } else {
                reader.report(value, "listen", "'\(text)' is not HOST:PORT with a numeric address (e.g. 127.0.0.1:9095)")
            }
        }
        if let value = top["database"], let text = reader.nonEmptyString(value, "database") {
            config.database = absolutePath(text, relativeTo: folder)
        }
        if let value = top["limits"] { readLimits(value, reader, into: &config) }
        if let value = top["executors"] { config.executors = ExecutorReader.read(value, reader, folder: folder) }
        if let value = top["policies"] {
            config.policies = PolicyReader.read(value, reader, executors: config.executors)
        }
        if top["policies"] == nil && !config.executors.isEmpty {
            config.warnings.append("executors are configured but no policies use them")
        }
        if let value = top["auth"] { readAuth(value, reader, folder: folder, into: &config) }
        if let value = top["tls"] { config.tls = TLSReader.read(value, reader, folder: folder) }
        if let value = top["audit"], let map = reader.mapping(value, "audit", allowed: ["retention"]),
           let retention = map["retention"], let seconds = reader.duration(retention, "audit.retention") {
            if seconds < 3600 { reader.report(retention, "audit.retention", "must be at least 1h") }
            config.auditRetentionSeconds = seconds
        }
        if let value = top["deliveries"], let map = reader.mapping(value, "deliveries", allowed: ["retention"]),
           let retention = map["retention"], let seconds = reader.duration(retention, "deliveries.retention") {
            // Alertmanager re-sends a group every repeat_interval (4h by default); a delivery kept a
            // day still catches those re-sends as duplicates.
            if seconds < 86_400 { reader.report(retention, "deliveries.retention", "must be at least 24h") }
            config.deliveryRetentionSeconds = seconds
        }
        if let value = top["deployments"], let map = reader.mapping(value, "deployments", allowed: ["default_soak"]),
           let soak = map["default_soak"], let seconds = reader.duration(soak, "deployments.default_soak") {
            if seconds <= 0 { reader.report(soak, "deployments.default_soak", "must be longer than 0s") }
            config.defaultSoakSeconds = seconds
        }
        return try finish(config, reader)
    }

    private static func finish(_ config: RipcordConfig, _ reader: YAMLReader) throws(ConfigError) -> RipcordConfig {
        if !reader.issues.isEmpty { throw ConfigError(issues: reader.issues) }
        return config
    }

    static func readLimits(_ node: Node, _ reader: YAMLReader, into config: inout RipcordConfig) {
        let keys = ["max_body_bytes", "max_connections", "max_connections_per_ip", "connection_timeout",
                    "worker_threads", "max_rollbacks", "window", "concurrency"]
        guard let map = reader.mapping(node, "limits", allowed: keys) else { return }
        if let v = map["max_rollbacks"], let n = reader.int(v, "limits.max_rollbacks", range: 1...10_000) {
            config.rollbackLimits.maxRollbacks = n
        }
        if let v = map["window"], let seconds = reader.duration(v, "limits.window") {
            if seconds < 1 { reader.report(v, "limits.window", "must be at least 1s") }
            config.rollbackLimits.windowSeconds = seconds
        }
        if let v = map["concurrency"], let n = reader.int(v, "limits.concurrency", range: 1...64) {
            config.rollbackLimits.concurrency = n
        }
        readConnectionLimits(map, reader, into: &config.limits)
    }

    static func readConnectionLimits(_ map: [String: Node], _ reader: YAMLReader, into limits: inout Limits) {
        if let v = map["max_body_bytes"], let n = reader.int(v, "limits.max_body_bytes", range: 1024...(256 << 20)) {
            limits.maxBodyBytes = n
        }
        if let v = map["max_connections"], let n = reader.int(v, "limits.max_connections", range: 16...65_536) {
            limits.maxConnections = n
        }
        if let v = map["max_connections_per_ip"], let n = reader.int(v, "limits.max_connections_per_ip", range: 1...65_536) {
            limits.maxConnectionsPerIP = n
        }
        if let v = map["worker_threads"], let n = reader.int(v, "limits.worker_threads", range: 1...256) {
            limits.workerThreads = n
        }
        if let v = map["connection_timeout"], let seconds = reader.duration(v, "limits.connection_timeout") {
            if seconds < 1 || seconds > 3600 {
                reader.report(v, "limits.connection_timeout", "must be between 1s and 1h")
            } else {
                limits.connectionTimeoutSeconds = Int(seconds)
            }
        }
    }

    static func readAuth(_ node: Node, _ reader: YAMLReader, folder: String, into config: inout RipcordConfig) {
        guard let map = reader.mapping(node, "auth", allowed: ["credentials"]) else { return }
        guard let list = map["credentials"], let items = reader.sequence(list, "auth.credentials") else { return }
        var names: Set<String> = []
        for (index, item) in items.enumerated() {
            let field = "auth.credentials[\(index)]"
            guard let entry = reader.mapping(item, field, allowed: CredentialReader.keys) else { continue }
            guard let (credentialConfig, credential) = CredentialReader.read(entry, item, field, reader, folder: folder,
                                                                             warnings: &config.warnings) else { continue }
            if !names.insert(credentialConfig.name).inserted {
                reader.report(entry["name"], "\(field).name", "the name '\(credentialConfig.name)' is used twice")
                continue
            }
            config.credentialConfigs.append(credentialConfig)
            config.credentials.append(credential)
        }
    }

    static func yamlIssue(_ error: YamlError, file: String) -> ConfigIssue {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            return ConfigIssue(file: file, line: mark.line, column: mark.column, field: "",
                               message: "not valid YAML: \(problem)")
        default:
            return ConfigIssue(file: file, line: 0, column: 0, field: "", message: "not valid YAML: \(error)")
        }
    }

    /// `path` made absolute against `folder` (paths already absolute stay as they are).
    public static func absolutePath(_ path: String, relativeTo folder: String) -> String {
        let joined = path.hasPrefix("/") ? path : (folder as NSString).appendingPathComponent(path)
        return (joined as NSString).standardizingPath
    }
}
