/// One entry of the audit log: what happened, to what, by whom, and why.
public struct AuditEvent: Sendable, Hashable, Codable {
    public var id: Int64
    public var at: String
    public var kind: String
    public var service: String?
    public var namespace: String?
    public var deploymentID: Int64?
    public var rollbackID: Int64?
    public var deliveryID: Int64?
    public var actor: String
    public var summary: String
    /// Details as a JSON object (text).
    public var data: String
    public var prevHash: String
    public var hash: String

    enum CodingKeys: String, CodingKey {
        case id, at, kind, service, namespace, actor, summary, data, hash
        case deploymentID = "deployment_id"
        case rollbackID = "rollback_id"
        case deliveryID = "delivery_id"
        case prevHash = "prev_hash"
    }

    /// Creates an event as stored.
    public init(id: Int64, at: String, kind: String, service: String?, namespace: String?, deploymentID: Int64?,
                rollbackID: Int64?, deliveryID: Int64?, actor: String, summary: String, data: String,
                prevHash: String, hash: String) {
        self.id = id
        self.at = at
        self.kind = kind
        self.service = service
        self.namespace = namespace
        self.deploymentID = deploymentID
        self.rollbackID = rollbackID
        self.deliveryID = deliveryID
        self.actor = actor
        self.summary = summary
        self.data = data
        self.prevHash = prevHash
        self.hash = hash
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(at, forKey: .at)
        try c.encode(kind, forKey: .kind)
        try c.encode(service, forKey: .service)
        try c.encode(namespace, forKey: .namespace)
        try c.encode(deploymentID, forKey: .deploymentID)
        try c.encode(rollbackID, forKey: .rollbackID)
        try c.encode(deliveryID, forKey: .deliveryID)
        try c.encode(actor, forKey: .actor)
        try c.encode(summary, forKey: .summary)
        // Details as a nested object, not a string, for readers.
        let details = (try? JSONDecoderLite.object(data)) ?? .object([:])
        try c.encode(details, forKey: .data)
        try c.encode(prevHash, forKey: .prevHash)
        try c.encode(hash, forKey: .hash)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int64.self, forKey: .id)
        at = try c.decode(String.self, forKey: .at)
        kind = try c.decode(String.self, forKey: .kind)
        service = try c.decodeIfPresent(String.self, forKey: .service)
        namespace = try c.decodeIfPresent(String.self, forKey: .namespace)
        deploymentID = try c.decodeIfPresent(Int64.self, forKey: .deploymentID)
        rollbackID = try c.decodeIfPresent(Int64.self, forKey: .rollbackID)
        deliveryID = try c.decodeIfPresent(Int64.self, forKey: .deliveryID)
        actor = try c.decode(String.self, forKey: .actor)
        summary = try c.decode(String.self, forKey: .summary)
        let details = try c.decodeIfPresent(JSONValue.self, forKey: .data) ?? .object([:])
        data = CanonicalJSON.string(details)
        prevHash = try c.decode(String.self, forKey: .prevHash)
        hash = try c.decode(String.self, forKey: .hash)
    }

    /// The text hashed into the chain: every stored field but the hashes, in a fixed order,
    /// each length-prefixed so no two different events share it.
    public var canonicalContent: String {
        let fields: [String] = [String(id), at, kind, service ?? "\u{0}", namespace ?? "\u{0}",
                                deploymentID.map(String.init) ?? "\u{0}", rollbackID.map(String.init) ?? "\u{0}",
                                deliveryID.map(String.init) ?? "\u{0}", actor, summary, data]
        return fields.map { "\($0.utf8.count):\($0)" }.joined(separator: "|")
    }

    /// The hash this event must carry, given the previous event's hash.
    public static func chainHash(previous: String, content: String) -> String {
        SHA256.hex((previous + "\n" + content).utf8)
    }

    /// The hash before the first event ever written.
    public static let genesisHash = String(repeating: "0", count: 64)
}

/// What a caller records; the store adds id, time and the chain.
public struct AuditRecord: Sendable, Hashable {
    public var kind: String
    public var service: String?
    public var namespace: String?
    public var deploymentID: Int64?
    public var rollbackID: Int64?
    public var deliveryID: Int64?
    public var actor: String
    public var summary: String
    public var data: [String: JSONValue]

    /// Creates a record.
    public init(kind: String, service: String? = nil, namespace: String? = nil, deploymentID: Int64? = nil,
                rollbackID: Int64? = nil, deliveryID: Int64? = nil, actor: String, summary: String,
                data: [String: JSONValue] = [:]) {
        self.kind = kind
        self.service = service
        self.namespace = namespace
        self.deploymentID = deploymentID
        self.rollbackID = rollbackID
        self.deliveryID = deliveryID
        self.actor = actor
        self.summary = summary
        self.data = data
    }
}

import Foundation

enum JSONDecoderLite {
    static func object(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }
}
