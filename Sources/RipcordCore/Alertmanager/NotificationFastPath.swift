/// A direct reader for the common, valid webhook body, so intake does not pay for Codable.
///
/// It handles exactly the Alertmanager version 4 shape (known keys, string values, an integer
/// `truncatedAlerts`) and gives up — returns nil — on anything else: an unknown or repeated key, a
/// `null`, a number with a fraction, invalid UTF-8, a value that fails validation. The caller then
/// decodes with `JSONDecoder`, which accepts or rejects the body and names the field at fault, so
/// what is accepted and every error message stay those of the Codable path. `FuzzCorpusTests`
/// checks that both agree on every saved input. (JSONDecoder was a fifth of intake's CPU.)
struct NotificationFastPath {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    /// The notification, or nil when the Codable path must decide.
    static func decode(_ body: [UInt8]) -> AlertGroup? {
        body.withUnsafeBufferPointer { buffer in
            var reader = NotificationFastPath(bytes: buffer)
            guard let group = reader.group() else { return nil }
            reader.skipWhitespace()
            return reader.index == buffer.count ? group : nil
        }
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    // MARK: - The notification's shape

    private mutating func group() -> AlertGroup? {
        var version: String?, groupKey: String?, status: AlertStatus?, receiver: String?, alerts: [Alert]?
        var truncated = 0, groupLabels: [String: String] = [:], commonLabels: [String: String] = [:]
        var commonAnnotations: [String: String] = [:], externalURL = ""
        var seen: Set<String> = []
        let complete = object { key, reader in
            guard seen.insert(key).inserted else { return false }
            switch key {
            case "version": version = reader.string()
            case "groupKey": groupKey = reader.string()
            case "status": status = reader.string().flatMap(AlertStatus.init(rawValue:))
            case "receiver": receiver = reader.string()
            case "externalURL": guard let v = reader.string() else { return false }; externalURL = v
            case "truncatedAlerts": guard let v = reader.integer(), v >= 0 else { return false }; truncated = v
            case "groupLabels": guard let v = reader.stringMap() else { return false }; groupLabels = v
            case "commonLabels": guard let v = reader.stringMap() else { return false }; commonLabels = v
            case "commonAnnotations": guard let v = reader.stringMap() else { return false }; commonAnnotations = v
            case "alerts": alerts = reader.alertList()
            default: return false
            }
            return true
        }
        guard complete, version == "4", let groupKey, let status, let receiver, let alerts else { return nil }
        return AlertGroup(version: "4", groupKey: groupKey, truncatedAlerts: truncated, status: status, receiver: receiver,
                          groupLabels: groupLabels, commonLabels: commonLabels, commonAnnotations: commonAnnotations,
                          externalURL: externalURL, alerts: alerts)
    }

    private mutating func alertList() -> [Alert]? {
        skipWhitespace()
        guard take(UInt8(ascii: "[")) else { return nil }
        var alerts: [Alert] = []
        skipWhitespace()
        if take(UInt8(ascii: "]")) { return alerts }
        while true {
            guard let alert = alert() else { return nil }
            alerts.append(alert)
            skipWhitespace()
            if take(UInt8(ascii: ",")) { continue }
            return take(UInt8(ascii: "]")) ? alerts : nil
        }
    }

    private mutating func alert() -> Alert? {
        var status: AlertStatus?, labels: [String: String]?, startsAt: Timestamp?, fingerprint: String?
        var annotations: [String: String] = [:], endsAt: Timestamp?, generatorURL = ""
        var seen: Set<String> = []
        let complete = object { key, reader in
            guard seen.insert(key).inserted else { return false }
            switch key {
            case "status": status = reader.string().flatMap(AlertStatus.init(rawValue:))
            case "labels": labels = reader.stringMap()
            case "annotations": guard let v = reader.stringMap() else { return false }; annotations = v
            case "startsAt": startsAt = reader.string().flatMap { Timestamp(rfc3339: $0) }
            case "endsAt":
                guard let ends = reader.string().flatMap({ Timestamp(rfc3339: $0) }) else { return false }
                endsAt = ends == .zero ? nil : ends
            case "generatorURL": guard let v = reader.string() else { return false }; generatorURL = v
            case "fingerprint": fingerprint = reader.string()
            default: return false
            }
            return true
        }
        guard complete, let status, let labels, labels["alertname"] != nil, let startsAt, let fingerprint,
              !fingerprint.isEmpty, fingerprint.utf8.count <= 64, fingerprint.utf8.allSatisfy(NotificationFastPath.isHexDigit)
        else { return nil }
        return Alert(status: status, labels: labels, annotations: annotations, startsAt: startsAt, endsAt: endsAt,
                     generatorURL: generatorURL, fingerprint: fingerprint)
    }

    // MARK: - JSON pieces

    /// Reads `{ "key": value, ... }`, handing each key to `member`, which reads the value; false stops.
    private mutating func object(_ member: (String, inout NotificationFastPath) -> Bool) -> Bool {
        skipWhitespace()
        guard take(UInt8(ascii: "{")) else { return false }
        skipWhitespace()
        if take(UInt8(ascii: "}")) { return true }
        while true {
            skipWhitespace()
            guard let key = string() else { return false }
            skipWhitespace()
            guard take(UInt8(ascii: ":")), member(key, &self) else { return false }
            skipWhitespace()
            if take(UInt8(ascii: ",")) { continue }
            return take(UInt8(ascii: "}"))
        }
    }

    private mutating func stringMap() -> [String: String]? {
        var map: [String: String] = [:]
        let complete = object { key, reader in
            guard map[key] == nil, let value = reader.string() else { return false }
            map[key] = value
            return true
        }
        return complete ? map : nil
    }

    /// A non-negative integer of at most 15 digits (no sign, fraction or exponent).
    private mutating func integer() -> Int? {
        skipWhitespace()
        let first = index
        var value = 0
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
            // Accumulate only what fits (the fuzzer found 9223372036854775808 overflowing here).
            if index - first < 15 { value = value * 10 + Int(bytes[index] - UInt8(ascii: "0")) }
            index += 1
        }
        let digits = index - first
        guard digits > 0, digits <= 15 else { return nil }
        if digits > 1 && bytes[first] == UInt8(ascii: "0") { return nil }   // JSON has no leading zeros
        if index < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index]) { return nil }
        return value
    }

    /// A JSON string: valid UTF-8, no raw control characters, escapes decoded (lone surrogates give up).
    private mutating func string() -> String? {
        skipWhitespace()
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = index
        // The common case: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { return nil }
            index += 1
        }
        var scalars = [UInt8](UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(validating: scalars, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { return nil }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escape)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    guard let unit = hex4() else { return nil }
                    var value = UInt32(unit)
                    if (0xD800..<0xDC00).contains(unit) {
                        guard take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")), let low = hex4(),
                              (0xDC00..<0xE000).contains(low) else { return nil }
                        value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(unit) {
                        return nil
                    }
                    guard let scalar = Unicode.Scalar(value) else { return nil }
                    scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: return nil
                }
            default:
                if byte < 0x20 { return nil }
                scalars.append(byte)
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt16? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }
}
