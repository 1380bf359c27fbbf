import Logging
import MicroHTTPServer
import RipcordCore

/// `POST /api/v1/deployments`, `GET /api/v1/deployments[/{id}]` and `POST /api/v1/deployments/{id}/promote`:
/// what CI/CD deployed, and the end of its soak window.
struct DeploymentsHandler: Sendable {
    let store: any DeploymentStore
    let logger: Logger
    /// The soak window of a deployment recorded without `soak` (`deployments.default_soak`).
    let live: LiveConfig

    struct Page: Encodable {
        let deployments: [Deployment]
    }

    func record(_ context: RequestContext) throws(APIError) -> HTTPResponse {
        _ = try QueryParameters(context.request, allowed: [])
        try WebhookHandler.requireJSON(context.request)
        let new: NewDeployment
        do {
            new = try DeploymentRequest.decode(context.request.body)
        } catch {
            throw APIError(400, "invalid_deployment", error.message, field: error.field)
        }
        let credential = context.credential?.name ?? ""
        let result: (deployment: Deployment, created: Bool)
        do {
            result = try store.recordDeployment(new, soakSeconds: new.soakSeconds ?? live.snapshot.config.defaultSoakSeconds,
                                                by: credential, now: .now())
        } catch {
            logger.error("could not record a deployment", metadata: ["error": "\(error.message)", "deployment.service": "\(new.service)"])
            throw APIError(503, "store_unavailable", "the deployment could not be recorded (\(error.message)); retry later")
        }
        let deployment = result.deployment
        logger.info(result.created ? "deployment recorded" : "deployment already recorded with this idempotency key",
                    metadata: ["deployment.id": "\(deployment.id)", "deployment.service": "\(deployment.service)",
                               "deployment.namespace": "\(deployment.namespace)", "deployment.cluster": "\(deployment.cluster)",
                               "deployment.version": "\(deployment.version)", "auth.credential": "\(credential)"])
        var response = JSONBody.response(status: result.created ? 201 : 200, deployment)
        if result.created { response.headers.append(("Location", "/api/v1/deployments/\(deployment.id)")) }
        return response
    }

    func list(_ context: RequestContext) throws(APIError) -> HTTPResponse {
        let query = try QueryParameters(context.request, allowed: ["service", "state", "limit"])
        let limit = try query.int("limit", default: 50, range: 1...500)
        var service: String?
        if let text = query["service"], !text.isEmpty {
            if let problem = KubernetesName.problem(text) { throw APIError.badRequest("service: \(problem)", field: "service") }
            service = text
        }
        var state: DeploymentState?
        if let text = query["state"], !text.isEmpty {
            guard let known = DeploymentState(rawValue: text) else {
                throw APIError.badRequest("state '\(text)' is not one of \(DeploymentState.allCases.map(\.rawValue).joined(separator: ", "))",
                                          field: "state")
            }
            state = known
        }
        let now = Timestamp.now()
        stabilize(now)
        do {
            return JSONBody.response(Page(deployments: try store.deployments(service: service, state: state, limit: limit, now: now)))
        } catch {
            throw APIError(503, "store_unavailable", error.message)
        }
    }

    func show(_ context: RequestContext) throws(APIError) -> HTTPResponse {
        _ = try QueryParameters(context.request, allowed: [])
        let id = try DeploymentsHandler.id(context)
        let now = Timestamp.now()
        stabilize(now)
        return JSONBody.response(try find(id, now: now))
    }

    func promote(_ context: RequestContext) throws(APIError) -> HTTPResponse {
        _ = try QueryParameters(context.request, allowed: [])
        let id = try DeploymentsHandler.id(context)
        let now = Timestamp.now()
        stabilize(now)
        let before = try find(id, now: now)
        guard before.state == .active else {
            throw APIError(409, "not_active", "deployment \(id) is \(before.state.rawValue), not active; only an active deployment can be promoted")
        }
        let after: Deployment?
        do {
            after = try store.promoteDeployment(id: id, by: context.credential?.name ?? "", now: now)
        } catch {
            throw APIError(503, "store_unavailable", "deployment \(id) could not be promoted (\(error.message)); retry later")
        }
        guard let after else { throw APIError.notFound("no deployment with id \(id)") }
        guard after.state == .stable, after.promotedAt != nil else {
            throw APIError(409, "not_active", after.state == .active
                ? "deployment \(id) has a rollback in progress; it cannot be promoted until the rollback ends"
                : "deployment \(id) is \(after.state.rawValue), not active; only an active deployment can be promoted")
        }
        logger.info("deployment promoted", metadata: ["deployment.id": "\(id)", "deployment.service": "\(after.service)",
                                                      "auth.credential": "\(context.credential?.name ?? "")"])
        return JSONBody.response(after)
    }

    /// Writes `stable` for soak windows that ended; a failure is logged, as reads show the right state anyway.
    private func stabilize(_ now: Timestamp) {
        do {
            let count = try store.stabilizeExpiredDeployments(now: now)
            if count > 0 { logger.info("deployments became stable after their soak window", metadata: ["deployment.count": "\(count)"]) }
        } catch {
            logger.warning("could not mark deployments whose soak window ended as stable", metadata: ["error": "\(error.message)"])
        }
    }

    private func find(_ id: Int64, now: Timestamp) throws(APIError) -> Deployment {
        let deployment: Deployment?
        do {
            deployment = try store.deployment(id: id, now: now)
        } catch {
            throw APIError(503, "store_unavailable", error.message)
        }
        guard let deployment else { throw APIError.notFound("no deployment with id \(id)") }
        return deployment
    }

    private static func id(_ context: RequestContext) throws(APIError) -> Int64 {
        let text = context.parameters["id"] ?? ""
        guard let id = Int64(text), id > 0 else {
            throw APIError.badRequest("deployment id '\(text)' is not a positive integer", field: "id")
        }
        return id
    }
}
