import Foundation

extension Alert: Codable {
    enum CodingKeys: String, CodingKey {
        case status, labels, annotations, startsAt, endsAt, generatorURL, fingerprint
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        status = try c.decode(AlertStatus.self, forKey: .status)
        labels = try c.decode([String: String].self, forKey: .labels)
        annotations = try c.decodeIfPresent([String: String].self, forKey: .annotations) ?? [:]
        startsAt = try c.decodeTimestamp(forKey: .startsAt)
        let ends = try c.decodeIfPresent(String.self, forKey: .endsAt)
        if let ends {
            guard let parsed = Timestamp(rfc3339: ends) else {
                throw DecodingError.dataCorruptedError(forKey: .endsAt, in: c,
                                                       debugDescription: "'\(ends)' is not an RFC 3339 time")
            }
            endsAt = parsed == .zero ? nil : parsed
        } else {
            endsAt = nil
        }
        generatorURL = try c.decodeIfPresent(String.self, forKey: .generatorURL) ?? ""
        fingerprint = try c.decode(String.self, forKey: .fingerprint)
        guard !fingerprint.isEmpty, fingerprint.count <= 64,
              fingerprint.allSatisfy({ $0.isASCII && $0.isHexDigit }) else {
            throw DecodingError.dataCorruptedError(forKey: .fingerprint, in: c,
                                                   debugDescription: "must be a hexadecimal fingerprint")
        }
        guard labels["alertname"] != nil else {
            throw DecodingError.dataCorruptedError(forKey: .labels, in: c,
                                                   debugDescription: "has no 'alertname' label")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(status, forKey: .status)
        try c.encode(labels, forKey: .labels)
        try c.encode(annotations, forKey: .annotations)
        try c.encode(startsAt.rfc3339Nanoseconds, forKey: .startsAt)
        try c.encode((endsAt ?? .zero).rfc3339Nanoseconds, forKey: .endsAt)
        try c.encode(generatorURL, forKey: .generatorURL)
        try c.encode(fingerprint, forKey: .fingerprint)
    }
}

extension AlertGroup: Codable {
    enum CodingKeys: String, CodingKey {
        case version, groupKey, truncatedAlerts, status, receiver, groupLabels, commonLabels,
             commonAnnotations, externalURL, alerts
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(String.self, forKey: .version)
        guard version == "4" else {
            throw DecodingError.dataCorruptedError(forKey: .version, in: c,
                                                   debugDescription: "must be \"4\" (Alertmanager webhook version 4), got \"\(version)\"")
        }
        groupKey = try c.decode(String.self, forKey: .groupKey)
        truncatedAlerts = try c.decodeIfPresent(Int.self, forKey: .truncatedAlerts) ?? 0
        guard truncatedAlerts >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .truncatedAlerts, in: c, debugDescription: "must not be negative")
        }
        status = try c.decode(AlertStatus.self, forKey: .status)
        receiver = try c.decode(String.self, forKey: .receiver)
        groupLabels = try c.decodeIfPresent([String: String].self, forKey: .groupLabels) ?? [:]
        commonLabels = try c.decodeIfPresent([String: String].self, forKey: .commonLabels) ?? [:]
        commonAnnotations = try c.decodeIfPresent([String: String].self, forKey: .commonAnnotations) ?? [:]
        externalURL = try c.decodeIfPresent(String.self, forKey: .externalURL) ?? ""
        alerts = try c.decode([Alert].self, forKey: .alerts)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(groupKey, forKey: .groupKey)
        try c.encode(truncatedAlerts, forKey: .truncatedAlerts)
        try c.encode(status, forKey: .status)
        try c.encode(receiver, forKey: .receiver)
        try c.encode(groupLabels, forKey: .groupLabels)
        try c.encode(commonLabels, forKey: .commonLabels)
        try c.encode(commonAnnotations, forKey: .commonAnnotations)
        try c.encode(externalURL, forKey: .externalURL)
        try c.encode(alerts, forKey: .alerts)
    }
}

extension KeyedDecodingContainer {
    func decodeTimestamp(forKey key: Key) throws -> Timestamp {
        let text = try decode(String.self, forKey: key)
        guard let value = Timestamp(rfc3339: text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self,
                                                   debugDescription: "'\(text)' is not an RFC 3339 time")
        }
        return value
    }
}
