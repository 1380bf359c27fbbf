import MicroHTTPServer
import RipcordCore

/// `GET /-/healthy` (the process answers) and `GET /-/ready` (the database is open, migrated, writable).
struct HealthHandler: Sendable {
    let store: any DeliveryStore

    func healthy(_ context: RequestContext) -> HTTPResponse {
        JSONBody.response(["status": "healthy"])
    }

    func ready(_ context: RequestContext) throws(APIError) -> HTTPResponse {
        do {
            try store.checkReady()
        } catch {
            throw APIError(503, "not_ready", error.message)
        }
        return JSONBody.response(["status": "ready"])
    }
}
