/// Decides, for every alert of a delivery, what Ripcord does: a pure function of the delivery, the
/// policies and a snapshot of the database, so `ripcord replay` can run it and change nothing.
public struct Planner: Sendable {
    /// Policies in the order they are consulted.
    public let policies: [PolicyConfig]
    /// The circuit breaker's limits.
    public let limits: RollbackLimits
    /// Describes what a dry-run policy would run for a deployment (the exact argv or request).
    public let describeActions: @Sendable (PolicyConfig, Deployment) -> String

    /// Creates a planner.
    public init(policies: [PolicyConfig], limits: RollbackLimits,
                describeActions: @escaping @Sendable (PolicyConfig, Deployment) -> String = { policy, _ in
                    policy.actions.joined(separator: ", ")
                }) {
        self.policies = policies
        self.limits = limits
        self.describeActions = describeActions
    }

    /// The plan for one delivery.
    public func plan(deliveryID: Int64, group: AlertGroup, snapshot: PlanningSnapshot, now: Timestamp) -> RollbackPlan {
        var state = Working(snapshot: snapshot)
        var plan = RollbackPlan()
        for alert in group.alerts {
            let decided: (Decision, RollbackReference?)
            switch alert.status {
            case .firing: decided = decideFiring(alert, deliveryID: deliveryID, now: now, state: &state, plan: &plan)
            case .resolved: decided = decideResolved(alert, deliveryID: deliveryID, now: now, state: &state, plan: &plan)
            }
            plan.decisions.append(decided)
        }
        return plan
    }

    /// What changes while one delivery is planned (rollbacks created, circuit opened).
    struct Working {
        var snapshot: PlanningSnapshot
        /// New rollbacks planned so far, by deployment id.
        var planned: [Int64: Int] = [:]
    }

    func decision(_ alert: Alert, _ deliveryID: Int64, _ now: Timestamp, _ outcome: DecisionOutcome, _ reason: String,
                  policy: String? = nil, deployment: Int64? = nil) -> Decision {
        Decision(deliveryID: deliveryID, fingerprint: alert.fingerprint, alertname: alert.alertname,
                 alertStatus: alert.status, outcome: outcome, policy: policy, deploymentID: deployment,
                 reason: reason, decidedAt: now.rfc3339)
    }

    func decideFiring(_ alert: Alert, deliveryID: Int64, now: Timestamp, state: inout Working,
                      plan: inout RollbackPlan) -> (Decision, RollbackReference?) {
        var firstMatchingPolicy: PolicyConfig?
        var misses: [String] = []
        // Where the first policy that mapped the alert's labels looked: the audit files the decision there.
        var place: [String: String]?
        for policy in policies where policy.matchers.allSatisfy({ $0.matches(alert.labels) }) {
            if firstMatchingPolicy == nil { firstMatchingPolicy = policy }
            // Map deployment fields to label values; every value is checked before it is used.
            var wanted: [String: String] = [:]
            var missing: [String] = []
            for (field, label) in policy.deployment.sorted(by: { $0.key < $1.key }) {
                guard let value = alert.labels[label], !value.isEmpty else {
                    missing.append(label)
                    continue
                }
                if let problem = KubernetesName.problem(value) {
                    return (decision(alert, deliveryID, now, .rejectedLabel, "label \(label): \(problem); nothing was done",
                                     policy: policy.name), nil)
                }
                wanted[field] = value
            }
            if place == nil && !wanted.isEmpty { place = wanted }
            if !missing.isEmpty {
                misses.append("policy \(policy.name): the alert has no \(missing.joined(separator: ", ")) label")
                continue
            }
            // Only deployments of the wanted service can match, when the policy maps one.
            let snapshot = state.snapshot
            let pool = wanted["service"].map { service in (snapshot.byService[service] ?? []).map { snapshot.activeDeployments[$0] } }
                ?? snapshot.activeDeployments
            let matching = pool.filter { deployment in
                deployment.isInSoakWindow(at: now) && wanted.allSatisfy { field, value in
                    switch field {
                    case "service": return deployment.service == value
                    case "namespace": return deployment.namespace == value
                    case "cluster": return deployment.cluster == value
                    case "environment": return deployment.environment == value
                    default: return false
                    }
                }
            }
            // The newest deployment of each service/namespace/cluster is the current one (an older one
            // may still be in its window as rolled back); several clusters at once are ambiguous.
            let candidates = Dictionary(grouping: matching) { "\($0.service)/\($0.namespace)/\($0.cluster)" }
                .values.compactMap { $0.max { $0.id < $1.id } }.sorted { $0.id < $1.id }
            let description = wanted.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            if candidates.count > 1 {
                let ids = candidates.map { String($0.id) }.joined(separator: ", ")
                var ambiguous = decision(alert, deliveryID, now, .ambiguous,
                                         "\(candidates.count) soaking deployments match \(description) (ids \(ids)); map more deployment fields (e.g. cluster) in policy \(policy.name); nothing was done",
                                         policy: policy.name)
                ambiguous.service = wanted["service"]
                ambiguous.namespace = wanted["namespace"]
                return (ambiguous, nil)
            }
            guard let deployment = candidates.first else {
                misses.append("policy \(policy.name): no deployment of \(description) is in its soak window")
                continue
            }
            return decideMatched(alert, policy: policy, deployment: deployment, deliveryID: deliveryID, now: now,
                                 state: &state, plan: &plan)
        }
        guard let policy = firstMatchingPolicy else {
            return (decision(alert, deliveryID, now, .notMatched, "no policy's matchers match the alert's labels"), nil)
        }
        var missed = decision(alert, deliveryID, now, .noActiveDeployment, misses.joined(separator: "; "), policy: policy.name)
        missed.service = place?["service"]
        missed.namespace = place?["namespace"]
        return (missed, nil)
    }

    func decideMatched(_ alert: Alert, policy: PolicyConfig, deployment: Deployment, deliveryID: Int64, now: Timestamp,
                       state: inout Working, plan: inout RollbackPlan) -> (Decision, RollbackReference?) {
        let which = "deployment \(deployment.id) (\(deployment.service) \(deployment.version) in \(deployment.namespace))"
        func make(_ outcome: DecisionOutcome, _ reason: String) -> Decision {
            decision(alert, deliveryID, now, outcome, reason, policy: policy.name, deployment: deployment.id)
        }
        guard AlertName.isValid(alert.alertname) else {
            return (make(.rejectedLabel, "alertname '\(alert.alertname.prefix(80))' is not a valid alert name; nothing was done"), nil)
        }
        if !policy.blamePreexisting && alert.startsAt < deployment.deployedAt {
            return (make(.preexisting, "the alert started at \(alert.startsAt.rfc3339), before \(which) was deployed at \(deployment.deployedAt.rfc3339); not blamed on it (blame_preexisting: false)"), nil)
        }
        let trigger = RollbackTrigger(key: TriggerKey(fingerprint: alert.fingerprint, startsAt: alert.startsAt),
                                      alertname: alert.alertname, deliveryID: deliveryID)
        if let index = state.planned[deployment.id] {
            if !plan.newRollbacks[index].triggers.contains(where: { $0.key == trigger.key }) {
                plan.newRollbacks[index].triggers.append(trigger)
            }
            return (make(.duplicate, "\(which) already has a rollback planned by this delivery; the alert joined it"), .new(index))
        }
        if let existing = state.snapshot.rollbacks.values.first(where: { $0.deploymentID == deployment.id }) {
            if existing.triggers[trigger.key] == nil {
                plan.attachments.append((existing.id, trigger))
                state.snapshot.rollbacks[existing.id]?.triggers[trigger.key] = .firing
            }
            return (make(.duplicate, "\(which) already has rollback \(existing.id) (\(existing.status.rawValue)); the alert joined it as a further trigger"),
                    .existing(existing.id))
        }
        if policy.dryRun {
            return (make(.dryRun, "dry-run: would roll back \(which) with: \(describeActions(policy, deployment))"), nil)
        }
        if policy.cooldownSeconds > 0, let last = state.snapshot.lastRollbackAt[deployment.service],
           now.seconds(since: last) < policy.cooldownSeconds {
            return (make(.skippedCooldown, "service \(deployment.service) had a rollback at \(last.rfc3339), within the cooldown of \(DurationText.format(policy.cooldownSeconds))"), nil)
        }
        if let opened = state.snapshot.circuit.openedAt, now.seconds(since: opened) < limits.windowSeconds {
            return (make(.skippedCircuitOpen, "the circuit breaker is open since \(opened.rfc3339): \(state.snapshot.circuit.reason)"), nil)
        }
        if state.snapshot.circuit.rollbacksInWindow >= limits.maxRollbacks {
            let reason = "\(state.snapshot.circuit.rollbacksInWindow) rollbacks within \(DurationText.format(limits.windowSeconds)) reached limits.max_rollbacks (\(limits.maxRollbacks))"
            state.snapshot.circuit.openedAt = now
            state.snapshot.circuit.reason = reason
            plan.circuitOpened = reason
            return (make(.skippedCircuitOpen, "the circuit breaker opened: \(reason)"), nil)
        }
        let ready = max(now.adding(seconds: policy.delaySeconds), alert.startsAt.adding(seconds: policy.forSeconds))
        plan.newRollbacks.append(NewRollback(deployment: deployment, policy: policy.name, actions: policy.actions,
                                             notBefore: ready, triggers: [trigger]))
        let index = plan.newRollbacks.count - 1
        state.planned[deployment.id] = index
        state.snapshot.circuit.rollbacksInWindow += 1
        state.snapshot.lastRollbackAt[deployment.service] = now
        let when = ready <= now ? "now" : "at \(ready.rfc3339) (for \(DurationText.format(policy.forSeconds)), delay \(DurationText.format(policy.delaySeconds)))"
        return (make(.matched, "matched \(which) by policy \(policy.name); rollback with \(policy.actions.joined(separator: " → ")) starts \(when)"),
                .new(index))
    }

    func decideResolved(_ alert: Alert, deliveryID: Int64, now: Timestamp, state: inout Working,
                        plan: inout RollbackPlan) -> (Decision, RollbackReference?) {
        let key = TriggerKey(fingerprint: alert.fingerprint, startsAt: alert.startsAt)
        let concerned = state.snapshot.rollbacks.values.filter { $0.triggers[key] != nil }.sorted { $0.id < $1.id }
        guard let rollback = concerned.first else {
            return (decision(alert, deliveryID, now, .resolved, "resolved; no rollback was planned for this alert"), nil)
        }
        plan.resolutions.append((rollback.id, key))
        state.snapshot.rollbacks[rollback.id]?.triggers[key] = .resolved
        let policy = policies.first { $0.name == rollback.policy }
        let cancelOnResolve = policy?.cancelOnResolve ?? true
        let stillFiring = (state.snapshot.rollbacks[rollback.id]?.triggers.values.filter { $0 == .firing }.count ?? 0)
            + (state.snapshot.rollbacks[rollback.id]?.otherFiringTriggers ?? 0)
        let make = { (reason: String) in
            self.decision(alert, deliveryID, now, .resolved, reason, policy: rollback.policy, deployment: rollback.deploymentID)
        }
        switch rollback.status {
        case .pending where cancelOnResolve && stillFiring == 0:
            let reason = "all its trigger alerts resolved before it started"
            plan.cancellations.append((rollback.id, reason))
            state.snapshot.rollbacks[rollback.id]?.status = .cancelled
            return (make("resolved; rollback \(rollback.id) cancelled: \(reason)"), .existing(rollback.id))
        case .pending where cancelOnResolve:
            return (make("resolved; rollback \(rollback.id) still has \(stillFiring) firing trigger(s) and stays planned"), .existing(rollback.id))
        case .pending:
            return (make("resolved; rollback \(rollback.id) stays planned (cancel_on_resolve: false)"), .existing(rollback.id))
        default:
            return (make("resolved; rollback \(rollback.id) is \(rollback.status.rawValue) and a resolution does not undo it"), .existing(rollback.id))
        }
    }
}

/// Alert names as Prometheus writes them: letters, digits, '_' and ':', not starting with a digit.
public enum AlertName {
    /// Whether `name` is a plain alert name (safe to pass on as data to an executor).
    public static func isValid(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.utf8.count <= 200 else { return false }
        func letter(_ c: Unicode.Scalar) -> Bool { c.isASCII && (c.properties.isAlphabetic || c == "_" || c == ":") }
        return letter(first) && name.unicodeScalars.allSatisfy { letter($0) || ("0"..."9").contains($0) }
    }
}
