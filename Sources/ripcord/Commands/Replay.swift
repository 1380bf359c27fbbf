import ArgumentParser
import Foundation
import RipcordCore
import RipcordExecutors
import RipcordStore

/// `ripcord replay FILE --dry-run`: what Ripcord would decide and run for a saved webhook body.
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a saved Alertmanager webhook body through the live config and database, changing nothing.",
        discussion: """
            Prints the decision for every alert and, for each rollback it would plan, the exact commands \
            or requests each action would run (secrets redacted). Nothing is written and nothing runs.

            Example:
              ripcord replay incident-4412.json --dry-run --config /etc/ripcord/ripcord.yml
            """)

    @Argument(help: ArgumentHelp("A webhook body as Alertmanager sent it (JSON).", valueName: "file"))
    var file: String

    @Flag(help: "Required: replay only ever shows what would happen.")
    var dryRun = false

    @OptionGroup var configOptions: ConfigOptions

    @Option(help: ArgumentHelp("SQLite database file, overriding the config's `database`.", valueName: "path"))
    var database: String?

    func validate() throws {
        guard dryRun else { throw ValidationError("replay changes nothing and only runs with --dry-run") }
    }

    func run() throws {
        let config = try configOptions.load()
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CLIError("\(file): cannot be read")
        }
        let group: AlertGroup
        do {
            group = try NotificationDecoder.decode(Array(data))
        } catch {
            throw CLIError("\(file): \(error.message)")
        }
        let path = database.map { ConfigLoader.absolutePath($0, relativeTo: currentDirectory()) } ?? config.database
        guard FileManager.default.fileExists(atPath: path) else { throw CLIError("\(path): no such database") }
        let store: SQLiteStore
        do {
            store = try SQLiteStore(path: path, migrate: false)
        } catch {
            throw CLIError(error.message)
        }
        defer { store.close() }
        let registry = ExecutorRegistry(configs: config.executors)
        let planner = Planner(policies: config.policies, limits: config.rollbackLimits, describeActions: { policy, deployment in
            registry.describe(actions: policy.actions, job: RollbackJob(
                id: 0, deployment: deployment, policy: policy.name, actions: policy.actions, currentAction: 0, runCount: 0,
                status: .pending, triggers: []))
        })
        let plan: RollbackPlan
        do {
            plan = try store.previewPlan(group: group, planner: planner, now: .now())
        } catch {
            throw CLIError(error.message)
        }
        print("replaying \(file): \(group.alerts.count) alert(s), group \(group.status.rawValue), dry run: nothing is changed")
        for (decision, reference) in plan.decisions {
            print("\(decision.alertname) \(decision.fingerprint) \(decision.alertStatus.rawValue): \(decision.outcome.rawValue)"
                  + (decision.policy.map { " (policy \($0))" } ?? "") + ": \(decision.reason)")
            guard case .new(let index) = reference, decision.outcome == .matched else { continue }
            let rollback = plan.newRollbacks[index]
            let job = RollbackJob(id: 0, deployment: rollback.deployment, policy: rollback.policy, actions: rollback.actions,
                                  currentAction: 0, runCount: 0, status: .pending, triggers: rollback.triggers)
            for (step, action) in rollback.actions.enumerated() {
                guard let executor = registry[action] else {
                    print("  \(step + 1). \(action): no such executor")
                    continue
                }
                switch executor.describe(job) {
                case .success(let request): print("  \(step + 1). would run \(action) (\(executor.kind)): \(request)")
                case .failure(let failure): print("  \(step + 1). \(action) (\(executor.kind)) cannot run: \(failure.message)")
                }
            }
        }
        if let reason = plan.circuitOpened { print("the circuit breaker would open: \(reason)") }
    }
}
