import RipcordCore

/// One row of `helm history -o json`.
struct HelmRevision: Sendable {
    var revision: Int
    var status: String
    var description: String
}

/// The helm steps of a rollback: `helm history` (the current revision, and the last good one when
/// none was recorded), `helm rollback` to that explicit revision (never 0, which is "current minus 1"
/// and may be a failed revision), and `helm status` to verify. Shared by helm-rollback and Flux.
enum HelmRollbackSteps {
    /// How the steps ended.
    enum Ending {
        /// Rolled back and verified; what was checked and found.
        case verified(String)
        /// The attempt's outcome (a failure).
        case failed(ExecutorOutcome)
    }

    /// helm errors no retry can fix.
    static let permanentErrors = ["unable to find specified revision", "not found", "forbidden", "unknown flag",
                                  "unknown shorthand flag", "invalid argument"]

    static func run(_ target: HelmRelease, _ steps: inout CommandSteps) async -> Ending {
        let historyStep = await steps.run(target.historyArgv)
        guard historyStep.succeeded else { return .failed(steps.failure(of: historyStep, permanent: permanentErrors)) }
        guard let history = parseHistory(historyStep.output), let latest = history.last else {
            return .failed(steps.failed("helm history printed no revisions of \(target.release) as JSON", retryable: true))
        }
        let current = latest.revision
        // Already rolled back by an earlier attempt (or before a crash): only verify.
        if let done = rolledBackRevision(latest, target) {
            steps.note("revision \(current) is already \"Rollback to \(done)\" (\(latest.status)); not rolling back again")
            steps.verifying()
            return await verify(target, &steps, expectedRevision: current, rolledBackTo: done)
        }
        if let recorded = target.recordedRevision, recorded != current {
            return .failed(steps.failed("release \(target.release) is at revision \(current), not the revision \(recorded) the deployment recorded: it changed since; not rolling back over it",
                                        retryable: false))
        }
        let revision: Int
        if let previous = target.previousRevision {
            guard previous < current else {
                return .failed(steps.failed("previous_revision \(previous) is not below the current revision \(current)", retryable: false))
            }
            revision = previous
        } else {
            guard let good = history.filter({ $0.revision < current && ["deployed", "superseded"].contains($0.status) })
                .map(\.revision).max() else {
                return .failed(steps.failed("helm history of \(target.release) has no deployed or superseded revision below \(current)",
                                            retryable: false))
            }
            steps.note("last good revision from helm history: \(good) (current \(current))")
            revision = good
        }
        let rollback = await steps.run(target.rollbackArgv(to: String(revision)))
        guard rollback.succeeded else { return .failed(steps.failure(of: rollback, permanent: permanentErrors)) }
        steps.verifying()
        return await verify(target, &steps, expectedRevision: current + 1, rolledBackTo: revision)
    }

    /// `helm status`: deployed, at `expectedRevision`, described "Rollback to N".
    static func verify(_ target: HelmRelease, _ steps: inout CommandSteps, expectedRevision: Int,
                       rolledBackTo revision: Int) async -> Ending {
        let statusStep = await steps.run(target.statusArgv)
        guard statusStep.succeeded else { return .failed(steps.failure(of: statusStep, permanent: permanentErrors)) }
        let found = parseStatus(statusStep.output)
        let wanted = "deployed, revision \(expectedRevision), \"Rollback to \(revision)\""
        let seen = found.map { "\($0.status), revision \($0.revision), \"\($0.description)\"" } ?? "no JSON status"
        let text = "helm status \(target.release) -n \(target.namespace) --kube-context \(target.context): \(seen); expected \(wanted)"
        guard let found, found.status == "deployed", found.revision == expectedRevision,
              found.description == "Rollback to \(revision)" else {
            return .failed(steps.failed("the rollback did not verify: \(text)", verification: text, retryable: false))
        }
        return .verified(text)
    }

    /// Checks only (after a crash): is the release's current revision a deployed "Rollback to N" that fits the record?
    static func isRolledBack(_ target: HelmRelease, _ steps: inout CommandSteps) async -> Bool? {
        let statusStep = await steps.run(target.statusArgv)
        guard statusStep.succeeded, let found = parseStatus(statusStep.output) else { return nil }
        return found.status == "deployed" && rolledBackRevision(found, target) != nil
    }

    /// N when `latest` is a deployed "Rollback to N" that fits the record (N is the recorded previous
    /// revision, and the rollback came after the recorded revision).
    static func rolledBackRevision(_ latest: HelmRevision, _ target: HelmRelease) -> Int? {
        guard latest.status == "deployed", latest.description.hasPrefix("Rollback to "),
              let revision = Int(latest.description.dropFirst("Rollback to ".count)) else { return nil }
        if let previous = target.previousRevision, previous != revision { return nil }
        if let recorded = target.recordedRevision, latest.revision <= recorded { return nil }
        return revision
    }

    /// Revisions from `helm history -o json`, oldest first.
    static func parseHistory(_ output: String) -> [HelmRevision]? {
        guard let rows = JSONText.parse(output)?.arrayValue else { return nil }
        return rows.compactMap { row -> HelmRevision? in
            guard let revision = row["revision"]?.int else { return nil }
            return HelmRevision(revision: revision, status: row["status"]?.string ?? "",
                                description: row["description"]?.string ?? "")
        }.sorted { $0.revision < $1.revision }
    }

    /// The release's current revision from `helm status -o json`.
    static func parseStatus(_ output: String) -> HelmRevision? {
        guard let object = JSONText.parse(output), let revision = object["version"]?.int else { return nil }
        return HelmRevision(revision: revision, status: object.at("info", "status")?.string ?? "",
                            description: object.at("info", "description")?.string ?? "")
    }
}
