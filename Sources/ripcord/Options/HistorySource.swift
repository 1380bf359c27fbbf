import ArgumentParser
import Foundation
import RipcordCore
import RipcordStore

/// Where `rollback-history` reads from: a database file or a server's API.
enum HistorySource {
    case local(HistoryReader)
    case remote(ServerOptions)

    /// Rollbacks with their first trigger alert.
    func rollbacks(_ query: RollbackQuery) throws -> [(RollbackSummary, String?)] {
        switch self {
        case .local(let reader):
            do {
                return try reader.rollbacks(query).map { ($0, $0.trigger) }
            } catch {
                throw CLIError(error.message)
            }
        case .remote(let server):
            var parameters = ["limit=\(query.limit)"]
            if let s = query.service { parameters.append("service=\(escape(s))") }
            if let n = query.namespace { parameters.append("namespace=\(escape(n))") }
            if let s = query.status { parameters.append("status=\(s.rawValue)") }
            if let s = query.since { parameters.append("since=\(escape(s.rfc3339))") }
            if let u = query.until { parameters.append("until=\(escape(u.rfc3339))") }
            let response = try server.send("GET", "/api/v1/rollbacks?" + parameters.joined(separator: "&"))
            struct Page: Decodable { let rollbacks: [RollbackSummary] }
            guard let page = try? JSONDecoder().decode(Page.self, from: Data(response.body)) else {
                throw CLIError("the server's answer is not a rollback list")
            }
            return page.rollbacks.map { ($0, $0.trigger) }
        }
    }

    /// One rollback and its audit events, oldest first.
    func timeline(_ id: Int64) throws -> (RollbackSummary, [AuditEvent]) {
        switch self {
        case .local(let reader):
            do {
                guard let summary = try reader.rollback(id: id) else { throw CLIError("no rollback with id \(id)") }
                return (summary, try reader.timeline(rollbackID: id))
            } catch let error as StoreError {
                throw CLIError(error.message)
            }
        case .remote(let server):
            let response = try server.send("GET", "/api/v1/rollbacks/\(id)")
            struct Detail: Decodable { let timeline: [AuditEvent] }
            guard let summary = try? JSONDecoder().decode(RollbackSummary.self, from: Data(response.body)),
                  let detail = try? JSONDecoder().decode(Detail.self, from: Data(response.body)) else {
                throw CLIError("the server's answer is not a rollback")
            }
            return (summary, detail.timeline)
        }
    }

    private func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}

/// Prints rollbacks and timelines as table, JSON or CSV.
struct HistoryPrinter {
    let output: HistoryOutput

    func list(_ rows: [(RollbackSummary, String?)], table: HistoryTable) throws {
        switch output {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(rows.map(\.0)), as: UTF8.self))
        case .csv:
            let header = ["id", "status", "service", "namespace", "deployment", "from_version", "to_version", "policy", "executor",
                          "created_at", "started_at", "finished_at", "duration_seconds", "trigger", "reason"]
            print(csvLine(header))
            for (r, trigger) in rows {
                print(csvLine([String(r.id), r.status.rawValue, r.service, r.namespace, String(r.deployment), r.fromVersion,
                               r.toVersion, r.policy, r.executor ?? "", r.createdAt, r.startedAt ?? "", r.finishedAt ?? "",
                               r.durationSeconds.map { String(format: "%.3f", $0) } ?? "", trigger ?? "", r.reason]))
            }
        case .table:
            if rows.isEmpty {
                print("no rollbacks match")
                return
            }
            for line in table.render(rows.map { table.row($0.0, trigger: $0.1) }) { print(line) }
        }
    }

    func timeline(_ item: (RollbackSummary, [AuditEvent])) throws {
        let (r, events) = item
        switch output {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(events), as: UTF8.self))
        case .csv:
            print(csvLine(["id", "at", "kind", "actor", "summary"]))
            for e in events { print(csvLine([String(e.id), e.at, e.kind, e.actor, e.summary])) }
        case .table:
            print("rollback \(r.id): \(r.service) in \(r.namespace), \(r.fromVersion) → \(r.toVersion), \(r.status.rawValue)"
                  + (r.executor.map { " by \($0)" } ?? "") + ", policy \(r.policy)")
            if !r.reason.isEmpty { print("  \(r.reason)") }
            for e in events { print("\(e.at)  \(e.kind.padding(toLength: 19, withPad: " ", startingAt: 0))  \(e.summary)") }
        }
    }

    func csvLine(_ fields: [String]) -> String {
        fields.map { field in
            field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }.joined(separator: ",")
    }
}
