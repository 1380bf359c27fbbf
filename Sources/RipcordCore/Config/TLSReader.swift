import Foundation
import Yams

/// Reads `tls:`: certificate, key, optional client CA (each read now, so a reload re-reads them) and
/// the minimum version.
enum TLSReader {
    static func read(_ node: Node, _ reader: YAMLReader, folder: String) -> TLSSettings? {
        guard let map = reader.mapping(node, "tls", allowed: ["cert_file", "key_file", "client_ca_file", "min_version"]) else {
            return nil
        }
        func pem(_ key: String, required: Bool) -> (String, String)? {
            guard let value = map[key] else {
                if required { reader.report(node, "tls.\(key)", "is required") }
                return nil
            }
            guard let path = reader.nonEmptyString(value, "tls.\(key)") else { return nil }
            let absolute = ConfigLoader.absolutePath(path, relativeTo: folder)
            guard let data = FileManager.default.contents(atPath: absolute) else {
                let reason = FileManager.default.fileExists(atPath: absolute) ? "cannot be read" : "does not exist"
                reader.report(value, "tls.\(key)", "\(absolute) \(reason)")
                return nil
            }
            let text = String(decoding: data, as: UTF8.self)
            guard text.contains("-----BEGIN ") else {
                reader.report(value, "tls.\(key)", "\(absolute) is not PEM")
                return nil
            }
            return (absolute, text)
        }
        let cert = pem("cert_file", required: true)
        let key = pem("key_file", required: true)
        let ca = pem("client_ca_file", required: false)
        var minVersion = "TLS12"
        if let value = map["min_version"], let text = reader.string(value, "tls.min_version") {
            if text == "TLS12" || text == "TLS13" {
                minVersion = text
            } else {
                reader.report(value, "tls.min_version", "'\(text)' is not TLS12 or TLS13")
            }
        }
        guard let cert, let key else { return nil }
        if map["client_ca_file"] != nil && ca == nil { return nil }
        return TLSSettings(certFile: cert.0, keyFile: key.0, clientCAFile: ca?.0, minVersion: minVersion,
                           certificatePEM: cert.1, privateKeyPEM: key.1, clientCAPEM: ca?.1)
    }
}
