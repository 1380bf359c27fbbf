import ArgumentParser
import Foundation
import RipcordCore

/// How `deployments list` prints.
enum ListOutput: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

/// `ripcord deployments list`: deployments newest first, as a table or JSON.
struct DeploymentsList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List deployments, newest first.",
        discussion: """
            Prints a table, or the server's JSON answer ({"deployments": [...]}) with --output json.

            Examples:
              ripcord deployments list --service checkout
              ripcord deployments list --state active --output json

            \(ServerOptions.exitCodeHelp)
            """)

    @OptionGroup var serverOptions: ServerOptions

    @Option(help: ArgumentHelp("Only this service.", valueName: "name"))
    var service: String?

    @Option(help: ArgumentHelp("Only this state: \(DeploymentState.allCases.map(\.rawValue).joined(separator: ", ")).",
                               valueName: "state"))
    var state: String?

    @Option(help: ArgumentHelp("At most this many (1-500).", valueName: "n"))
    var limit: Int = 50

    @Option(help: "Output format: table or json.")
    var output: ListOutput = .table

    struct Page: Decodable {
        let deployments: [Deployment]
    }

    func validate() throws {
        if let state, DeploymentState(rawValue: state) == nil {
            throw ValidationError("--state '\(state)' is not one of \(DeploymentState.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard (1...500).contains(limit) else { throw ValidationError("--limit must be from 1 to 500, got \(limit)") }
    }

    func run() throws {
        var query = ["limit=\(limit)"]
        if let service { query.append("service=\(DeploymentsList.escape(service))") }
        if let state { query.append("state=\(state)") }
        let response = try serverOptions.send("GET", "/api/v1/deployments?" + query.joined(separator: "&"))
        if output == .json {
            print(response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines))
            return
        }
        guard let page = try? JSONDecoder().decode(Page.self, from: Data(response.body)) else {
            throw ServerOptions.fail("GET /api/v1/deployments: the answer is not a list of deployments", exitCode: ServerOptions.unavailable)
        }
        print(DeploymentsList.table(page.deployments), terminator: "")
    }

    /// A query value percent-encoded (everything but unreserved characters).
    static func escape(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    /// Aligned columns, one deployment per line, with a header.
    static func table(_ deployments: [Deployment]) -> String {
        var rows = [["ID", "SERVICE", "NAMESPACE", "CLUSTER", "VERSION", "STATE", "DEPLOYED", "SOAK ENDS"]]
        for d in deployments {
            rows.append([String(d.id), d.service, d.namespace, d.cluster.isEmpty ? "-" : d.cluster,
                         ServerOptions.oneLine(d.version), d.state.rawValue, d.deployedAt.rfc3339, d.soakEndsAt.rfc3339])
        }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
        }.joined()
    }
}
