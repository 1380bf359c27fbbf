import ArgumentParser

/// `ripcord deployments promote ID`: end a deployment's soak window.
struct DeploymentsPromote: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "End an active deployment's soak window: it becomes stable and is no longer rolled back.",
        discussion: """
            Prints the promoted deployment as JSON. A deployment that is not active (already stable, \
            superseded, rolled back) or has a rollback in progress is refused with 409 (exit 65).

            Example:
              ripcord deployments promote 42 --server http://127.0.0.1:9095 --token-file ci.token

            \(ServerOptions.exitCodeHelp)
            """)

    @OptionGroup var serverOptions: ServerOptions

    @Argument(help: ArgumentHelp("The deployment's id.", valueName: "id"))
    var id: Int64

    func validate() throws {
        guard id > 0 else { throw ValidationError("the deployment id must be a positive integer, got \(id)") }
    }

    func run() throws {
        let response = try serverOptions.send("POST", "/api/v1/deployments/\(id)/promote")
        print(response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
