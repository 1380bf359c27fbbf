import Foundation
import Yams

/// Reads `policies:`: matchers parsed and checked at load, actions naming configured executors.
enum PolicyReader {
    static let keys = ["name", "match", "deployment", "for", "delay", "cancel_on_resolve", "actions", "retries",
                       "retry_backoff", "dry_run", "cooldown", "blame_preexisting", "resume_interrupted", "notify"]

    static func read(_ node: Node, _ reader: YAMLReader, executors: [ExecutorConfig]) -> [PolicyConfig] {
        guard let items = reader.sequence(node, "policies") else { return [] }
        var policies: [PolicyConfig] = []
        for (index, item) in items.enumerated() {
            let field = "policies[\(index)]"
            guard let map = reader.mapping(item, field, allowed: keys) else { continue }
            let before = reader.issues.count
            let name = map["name"].flatMap { reader.nonEmptyString($0, "\(field).name") }
            if map["name"] == nil { reader.report(item, "\(field).name", "is required") }
            if let name, policies.contains(where: { $0.name == name }) {
                reader.report(map["name"], "\(field).name", "the name '\(name)' is used twice")
            }

            var matchers: [LabelMatcher] = []
            if let matchNode = map["match"], let list = reader.sequence(matchNode, "\(field).match") {
                for (i, matcherNode) in list.enumerated() {
                    guard let text = reader.string(matcherNode, "\(field).match[\(i)]") else { continue }
                    do {
                        matchers.append(try LabelMatcher(parsing: text))
                    } catch {
                        reader.report(matcherNode, "\(field).match[\(i)]", error.message)
                    }
                }
            }

            var deployment: [String: String] = [:]
            if let depNode = map["deployment"],
               let depMap = reader.mapping(depNode, "\(field).deployment", allowed: PolicyConfig.deploymentFields) {
                for (key, value) in depMap {
                    guard let label = reader.nonEmptyString(value, "\(field).deployment.\(key)") else { continue }
                    if !LabelMatcher.isLabelName(label) {
                        reader.report(value, "\(field).deployment.\(key)", "'\(label)' is not a label name")
                    }
                    deployment[key] = label
                }
                if deployment["service"] == nil {
                    reader.report(depNode, "\(field).deployment.service", "is required: the alert label naming the service")
                }
            } else if map["deployment"] == nil {
                reader.report(item, "\(field).deployment", "is required, e.g. {service: service, namespace: namespace}")
            }

            var actions: [String] = []
            if let actionsNode = map["actions"], let list = reader.sequence(actionsNode, "\(field).actions") {
                for (i, actionNode) in list.enumerated() {
                    guard let action = reader.nonEmptyString(actionNode, "\(field).actions[\(i)]") else { continue }
                    if !executors.contains(where: { $0.name == action }) {
                        let known = executors.map(\.name)
                        reader.report(actionNode, "\(field).actions[\(i)]",
                                      "no executor is named '\(action)'" + (known.isEmpty ? " (executors: is empty)" : " (known: \(known.joined(separator: ", ")))"))
                    }
                    actions.append(action)
                }
                if list.isEmpty { reader.report(actionsNode, "\(field).actions", "must name at least one executor") }
            } else if map["actions"] == nil {
                reader.report(item, "\(field).actions", "is required: the executors to run, in order")
            }

            guard reader.issues.count == before, let name else { continue }
            var policy = PolicyConfig(name: name, matchers: matchers, deployment: deployment, actions: actions)
            if let v = map["for"], let s = reader.duration(v, "\(field).for") { policy.forSeconds = s }
            if let v = map["delay"], let s = reader.duration(v, "\(field).delay") { policy.delaySeconds = s }
            if let v = map["cancel_on_resolve"], let b = reader.bool(v, "\(field).cancel_on_resolve") { policy.cancelOnResolve = b }
            if let v = map["retries"], let n = reader.int(v, "\(field).retries", range: 0...20) { policy.retries = n }
            if let v = map["retry_backoff"], let s = reader.duration(v, "\(field).retry_backoff") { policy.retryBackoffSeconds = s }
            if let v = map["dry_run"], let b = reader.bool(v, "\(field).dry_run") { policy.dryRun = b }
            if let v = map["cooldown"], let s = reader.duration(v, "\(field).cooldown") { policy.cooldownSeconds = s }
            if let v = map["blame_preexisting"], let b = reader.bool(v, "\(field).blame_preexisting") { policy.blamePreexisting = b }
            if let v = map["resume_interrupted"], let b = reader.bool(v, "\(field).resume_interrupted") { policy.resumeInterrupted = b }
            if let v = map["notify"] { policy.notify = readNotify(v, reader, "\(field).notify") }
            policies.append(policy)
        }
        return policies
    }

    /// `notify: {url: https://hooks.slack.com/services/..., token_file: optional, link_base: optional}`.
    static func readNotify(_ node: Node, _ reader: YAMLReader, _ field: String) -> NotifyConfig? {
        guard let map = reader.mapping(node, field, allowed: ["url", "token_file", "link_base"]) else { return nil }
        let folder = (reader.file as NSString).deletingLastPathComponent
        func httpURL(_ key: String) -> String? {
            guard let valueNode = map[key], let text = reader.nonEmptyString(valueNode, "\(field).\(key)") else { return nil }
            if !(text.hasPrefix("https://") || text.hasPrefix("http://")) || URL(string: text)?.host == nil {
                reader.report(valueNode, "\(field).\(key)", "'\(text)' is not an http(s) URL")
                return nil
            }
            return text
        }
        if map["url"] == nil { reader.report(node, "\(field).url", "is required: the incoming-webhook URL, e.g. https://hooks.slack.com/services/...") }
        guard let url = httpURL("url") else { return nil }
        var notify = NotifyConfig(url: url)
        if let base = httpURL("link_base") { notify.linkBase = base.hasSuffix("/") ? String(base.dropLast()) : base }
        if let tokenNode = map["token_file"], let path = reader.nonEmptyString(tokenNode, "\(field).token_file") {
            let absolute = ConfigLoader.absolutePath(path, relativeTo: folder)
            notify.tokenFile = absolute
            notify.token = CredentialReader.readSecret(absolute, tokenNode, "\(field).token_file", reader)
        }
        return notify
    }
}
