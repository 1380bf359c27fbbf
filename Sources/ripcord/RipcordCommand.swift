import ArgumentParser

/// The `ripcord` command: turns Prometheus SLO alerts into safe, audited rollbacks.
@main
struct RipcordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ripcord",
        abstract: "Turns Prometheus SLO alerts into safe, audited rollbacks.",
        discussion: """
            Alertmanager posts webhooks to `ripcord serve`; Ripcord stores each delivery durably \
            before it answers, and shows what it received over HTTP.
            """,
        subcommands: [Serve.self, Migrate.self, CheckConfig.self, Deployments.self, Replay.self, Circuit.self,
                      RollbackHistory.self, Audit.self])
}
