import CurlClient
import Logging
import RipcordCore

/// Tells a chat channel when a rollback starts and when it ends: a Slack-compatible `{"text": ...}`
/// POSTed (libcurl, TLS verified) to the policy's `notify.url`. Never throws and never holds a rollback
/// up for long: each message has a few seconds, and a failure is only logged.
public struct RollbackNotifier: Sendable {
    /// `notify` of each policy that has one, by policy name.
    let targets: [String: NotifyConfig]
    let logger: Logger
    /// Seconds one message may take.
    let timeout: Double

    /// Creates a notifier for the policies' `notify` blocks.
    public init(policies: [PolicyConfig], logger: Logger, timeout: Double = 5) {
        var targets: [String: NotifyConfig] = [:]
        for policy in policies { if let notify = policy.notify { targets[policy.name] = notify } }
        self.targets = targets
        self.logger = logger
        self.timeout = timeout
    }

    /// Posts "rolling back" for a job that is starting; true when the receiver accepted it (2xx).
    @discardableResult
    public func started(job: RollbackJob) async -> Bool {
        guard let notify = targets[job.policy] else { return false }
        return await post(Self.startedText(job, link: Self.link(notify, job)), to: notify, job: job, event: "started")
    }

    /// Posts how a job ended (`succeeded`, `failed`, ...) and why; true when the receiver accepted it (2xx).
    @discardableResult
    public func finished(job: RollbackJob, status: RollbackStatus, reason: String) async -> Bool {
        guard let notify = targets[job.policy] else { return false }
        return await post(Self.finishedText(job, status: status, reason: reason, link: Self.link(notify, job)),
                          to: notify, job: job, event: "finished")
    }

    /// The rollback's audit entry: `LINK_BASE/api/v1/rollbacks/ID` (the path alone without `link_base`).
    static func link(_ notify: NotifyConfig, _ job: RollbackJob) -> String {
        (notify.linkBase ?? "") + "/api/v1/rollbacks/\(job.id)"
    }

    static func startedText(_ job: RollbackJob, link: String) -> String {
        ":rewind: Ripcord is rolling back \(what(job)) (rollback \(job.id), policy \(escape(job.policy)), actions \(escape(job.actions.joined(separator: " → "))))"
            + "\nTriggered by: \(alerts(job))\nAudit: \(link)"
    }

    static func finishedText(_ job: RollbackJob, status: RollbackStatus, reason: String, link: String) -> String {
        let mark: String
        switch status {
        case .succeeded: mark = ":white_check_mark:"
        case .failed: mark = ":x:"
        case .cancelled: mark = ":no_entry_sign:"
        default: mark = ":warning:"
        }
        let why = reason.count > 1500 ? String(reason.prefix(1500)) + "…" : reason
        return "\(mark) Ripcord rollback \(job.id) of \(what(job)) \(status.rawValue): \(escape(why))"
            + "\nTriggered by: \(alerts(job))\nAudit: \(link)"
    }

    /// `*checkout* in prod (cluster c): 1.4.2 → 1.4.1`.
    static func what(_ job: RollbackJob) -> String {
        let d = job.deployment
        let place = d.namespace + (d.cluster.isEmpty ? "" : " (cluster \(d.cluster))")
        let versions = d.previousVersion.isEmpty ? d.version : "\(d.version) → \(d.previousVersion)"
        return "*\(escape(d.service))* in \(escape(place)): \(escape(versions))"
    }

    static func alerts(_ job: RollbackJob) -> String {
        var names: [String] = []
        for trigger in job.triggers where !names.contains(trigger.alertname) { names.append(trigger.alertname) }
        return names.isEmpty ? "(no alert recorded)" : escape(names.joined(separator: ", "))
    }

    /// Slack's three control characters in message text.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    private func post(_ text: String, to notify: NotifyConfig, job: RollbackJob, event: String) async -> Bool {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json"), ("User-Agent", "ripcord")]
        if let token = notify.token { headers.append(("Authorization", "Bearer " + token)) }
        let request = HTTPClientRequest(method: "POST", url: notify.url, headers: headers,
                                        body: Array(JSONText.compact(.object(["text": .string(text)])).utf8),
                                        timeout: timeout, connectTimeout: min(timeout, 3))
        let answer = await BlockingCall.run { () -> Result<HTTPClientResponse, HTTPClientError> in
            Result { () throws(HTTPClientError) -> HTTPClientResponse in try HTTPClient(maxResponseBytes: 64 << 10).send(request) }
        }
        switch answer {
        case .success(let response) where (200..<300).contains(response.status):
            return true
        case .success(let response):
            logger.warning("rollback notification refused", metadata: [
                "rollback.id": "\(job.id)", "notify.event": "\(event)", "http.status": "\(response.status)",
                "notify.host": "\(Self.host(notify.url))"])
        case .failure(let error):
            logger.warning("rollback notification not delivered", metadata: [
                "rollback.id": "\(job.id)", "notify.event": "\(event)", "error": "\(error.message)",
                "notify.host": "\(Self.host(notify.url))"])
        }
        return false
    }

    /// Only the host of a webhook URL is logged: Slack's URLs carry their secret in the path.
    static func host(_ url: String) -> String {
        guard let start = url.range(of: "://")?.upperBound else { return "?" }
        return String(url[start...].prefix { $0 != "/" && $0 != "?" })
    }
}
