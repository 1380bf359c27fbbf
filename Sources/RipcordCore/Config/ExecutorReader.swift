import Foundation
import Yams

/// Reads `executors:`: each needs a unique name, a known kind and the options of that kind.
enum ExecutorReader {
    static func read(_ node: Node, _ reader: YAMLReader, folder: String) -> [ExecutorConfig] {
        guard let items = reader.sequence(node, "executors") else { return [] }
        var executors: [ExecutorConfig] = []
        for (index, item) in items.enumerated() {
            let field = "executors[\(index)]"
            guard case .mapping = item else {
                reader.report(item, field, "must be a mapping with name, kind and options")
                continue
            }
            // Read the kind first: the keys allowed depend on it.
            var kind: ExecutorKind?
            if case .mapping(let raw) = item, let kindNode = raw["kind"] {
                if let text = reader.string(kindNode, "\(field).kind") {
                    kind = ExecutorKind(rawValue: text)
                    if kind == nil {
                        reader.report(kindNode, "\(field).kind",
                                      "'\(text)' is not an executor kind (use one of \(ExecutorKind.allCases.map(\.rawValue).joined(separator: ", ")))")
                    }
                }
            } else {
                reader.report(item, "\(field).kind", "is required")
            }
            let allowed = ["name", "kind", "timeout"] + (kind?.optionKeys ?? [])
            guard let map = reader.mapping(item, field, allowed: allowed), let kind else { continue }
            guard let nameNode = map["name"], let name = reader.nonEmptyString(nameNode, "\(field).name") else {
                if map["name"] == nil { reader.report(item, "\(field).name", "is required") }
                continue
            }
            if executors.contains(where: { $0.name == name }) {
                reader.report(nameNode, "\(field).name", "the name '\(name)' is used twice")
                continue
            }
            var timeout = kind.defaultTimeoutSeconds
            if let t = map["timeout"], let seconds = reader.duration(t, "\(field).timeout") {
                if seconds <= 0 || seconds > 86_400 { reader.report(t, "\(field).timeout", "must be between 1ms and 24h") }
                timeout = seconds
            }
            var executor = ExecutorConfig(name: name, kind: kind, timeoutSeconds: timeout)
            switch kind {
            case .command: readCommand(map, item, field, reader, folder: folder, into: &executor)
            case .webhook: readWebhook(map, item, field, reader, folder: folder, into: &executor)
            case .argocdRollback: readArgoCD(map, item, field, reader, folder: folder, into: &executor)
            case .helmRollback, .kubectlRolloutUndo, .serviceSelectorSwitch, .ingressSwitch, .canaryWeightZero,
                 .argoRolloutsAbort, .fluxSuspendHelmRollback:
                readTools(map, field, reader, folder: folder, into: &executor)
            }
            executors.append(executor)
        }
        return executors
    }

    static func readCommand(_ map: [String: Node], _ node: Node, _ field: String, _ reader: YAMLReader,
                            folder: String, into executor: inout ExecutorConfig) {
        guard let commandNode = map["command"] else {
            reader.report(node, "\(field).command", "is required: an argv list such as [\"/usr/local/bin/rollback\", \"--fast\"]")
            return
        }
        guard case .sequence(let list) = commandNode else {
            reader.report(commandNode, "\(field).command",
                          "must be a list of arguments (argv), never a shell string: e.g. [\"/usr/local/bin/rollback\", \"--fast\"]")
            return
        }
        let argv = list.enumerated().compactMap { reader.string($0.element, "\(field).command[\($0.offset)]") }
        guard let program = argv.first, !program.isEmpty else {
            reader.report(commandNode, "\(field).command", "must name a program")
            return
        }
        if program.hasPrefix("/") {
            if !FileManager.default.isExecutableFile(atPath: program) {
                reader.report(commandNode, "\(field).command", "\(program) is not an executable file")
            }
        } else if program.contains("/") {
            reader.report(commandNode, "\(field).command", "give the program as an absolute path or a bare name found on PATH")
        }
        executor.command = argv
        if let grace = map["kill_grace"], let seconds = reader.duration(grace, "\(field).kill_grace") {
            executor.killGraceSeconds = seconds
        }
        if let dir = map["working_directory"], let text = reader.nonEmptyString(dir, "\(field).working_directory") {
            executor.workingDirectory = ConfigLoader.absolutePath(text, relativeTo: folder)
        }
    }

    static func readWebhook(_ map: [String: Node], _ node: Node, _ field: String, _ reader: YAMLReader,
                            folder: String, into executor: inout ExecutorConfig) {
        if let urlNode = map["url"], let url = reader.nonEmptyString(urlNode, "\(field).url") {
            if !(url.hasPrefix("https://") || url.hasPrefix("http://")) || URL(string: url)?.host == nil {
                reader.report(urlNode, "\(field).url", "'\(url)' is not an http(s) URL")
            }
            executor.url = url
        } else if map["url"] == nil {
            reader.report(node, "\(field).url", "is required")
        }
        if let tokenNode = map["token_file"], let path = reader.nonEmptyString(tokenNode, "\(field).token_file") {
            let absolute = ConfigLoader.absolutePath(path, relativeTo: folder)
            executor.tokenFile = absolute
            executor.token = CredentialReader.readSecret(absolute, tokenNode, "\(field).token_file", reader)
        }
        if let caNode = map["ca_file"], let path = reader.nonEmptyString(caNode, "\(field).ca_file") {
            let absolute = ConfigLoader.absolutePath(path, relativeTo: folder)
            if !FileManager.default.isReadableFile(atPath: absolute) {
                reader.report(caNode, "\(field).ca_file", "\(absolute) does not exist or cannot be read")
            }
            executor.caFile = absolute
        }
        if let headersNode = map["headers"], case .mapping(let headers) = headersNode {
            for (key, value) in headers {
                guard let name = reader.string(key, "\(field).headers"), let text = reader.string(value, "\(field).headers.\(key.string ?? "")") else { continue }
                if name.lowercased() == "authorization" {
                    reader.report(key, "\(field).headers.\(name)", "set the token with token_file, not as a header")
                } else if text.contains("\n") || text.contains("\r") {
                    reader.report(value, "\(field).headers.\(name)", "must be one line")
                } else {
                    executor.headers[name] = text
                }
            }
        } else if let headersNode = map["headers"] {
            reader.report(headersNode, "\(field).headers", "must be a mapping of header names to values")
        }
    }

    /// `helm_path`, `kubectl_path` (absolute, or relative to the config file; must be executable) and `kill_grace`.
    static func readTools(_ map: [String: Node], _ field: String, _ reader: YAMLReader, folder: String,
                          into executor: inout ExecutorConfig) {
        func program(_ key: String) -> String? {
            guard let node = map[key], let text = reader.nonEmptyString(node, "\(field).\(key)") else { return nil }
            let absolute = ConfigLoader.absolutePath(text, relativeTo: folder)
            if !FileManager.default.isExecutableFile(atPath: absolute) {
                reader.report(node, "\(field).\(key)", "\(absolute) is not an executable file")
            }
            return absolute
        }
        executor.helmPath = program("helm_path")
        executor.kubectlPath = program("kubectl_path")
        if let grace = map["kill_grace"], let seconds = reader.duration(grace, "\(field).kill_grace") {
            executor.killGraceSeconds = seconds
        }
    }

    /// `server` (an http(s) base URL), `token_file` (required: Argo CD refuses anonymous rollbacks) and `ca_file`.
    static func readArgoCD(_ map: [String: Node], _ node: Node, _ field: String, _ reader: YAMLReader,
                           folder: String, into executor: inout ExecutorConfig) {
        if let serverNode = map["server"], let server = reader.nonEmptyString(serverNode, "\(field).server") {
            let trimmed = server.hasSuffix("/") ? String(server.dropLast()) : server
            if !(trimmed.hasPrefix("https://") || trimmed.hasPrefix("http://")) || URL(string: trimmed)?.host == nil
                || URL(string: trimmed)?.query != nil {
                reader.report(serverNode, "\(field).server", "'\(server)' is not an http(s) base URL such as https://argocd.example.com")
            }
            executor.server = trimmed
        } else if map["server"] == nil {
            reader.report(node, "\(field).server", "is required: the Argo CD API server, e.g. https://argocd.example.com")
        }
        if let tokenNode = map["token_file"], let path = reader.nonEmptyString(tokenNode, "\(field).token_file") {
            let absolute = ConfigLoader.absolutePath(path, relativeTo: folder)
            executor.tokenFile = absolute
            executor.token = CredentialReader.readSecret(absolute, tokenNode, "\(field).token_file", reader)
        } else if map["token_file"] == nil {
            reader.report(node, "\(field).token_file", "is required: a file with an Argo CD API token (account with applications get, update and sync)")
        }
        if let caNode = map["ca_file"], let path = reader.nonEmptyString(caNode, "\(field).ca_file") {
            let absolute = ConfigLoader.absolutePath(path, relativeTo: folder)
            if !FileManager.default.isReadableFile(atPath: absolute) {
                reader.report(caNode, "\(field).ca_file", "\(absolute) does not exist or cannot be read")
            }
            executor.caFile = absolute
        }
    }
}
