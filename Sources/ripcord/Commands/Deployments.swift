import ArgumentParser

/// `ripcord deployments`: record, list and promote deployments on a running server, for CI/CD pipelines.
struct Deployments: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record, list and promote deployments on a Ripcord server (for CI/CD pipelines).",
        discussion: """
            These subcommands talk to `ripcord serve` over HTTP. --server and --token-file default to \
            $RIPCORD_SERVER and $RIPCORD_TOKEN_FILE. Recording and promoting need a credential with role \
            deployer (or admin); listing needs reader (or admin).

            Examples:
              export RIPCORD_SERVER=http://127.0.0.1:9095 RIPCORD_TOKEN_FILE=/run/secrets/ripcord.token
              ripcord deployments record --service checkout --namespace prod --version 1.4.2 --soak 30m
              ripcord deployments list --service checkout --state active
              ripcord deployments promote 42

            \(ServerOptions.exitCodeHelp)
            """,
        subcommands: [DeploymentsRecord.self, DeploymentsList.self, DeploymentsPromote.self])
}
