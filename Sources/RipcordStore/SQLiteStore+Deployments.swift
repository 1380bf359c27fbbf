import RipcordCore

/// Deployments in SQLite: recorded and promoted in the group-commit writer, read on the reader connection.
extension SQLiteStore: DeploymentStore {
    public func recordDeployment(_ new: NewDeployment, soakSeconds: Double, by credential: String,
                                 now: Timestamp) throws(StoreError) -> (deployment: Deployment, created: Bool) {
        try write("recording a deployment of \(new.service)") { db in
            try DeploymentRows.record(new, soakSeconds: soakSeconds, by: credential, now: now, in: db)
        }
    }

    public func deployments(service: String?, state: DeploymentState?, limit: Int,
                            now: Timestamp) throws(StoreError) -> [Deployment] {
        try read("listing deployments") { db in
            try DeploymentRows.list(service: service, state: state, limit: limit, now: now, in: db)
        }
    }

    public func deployment(id: Int64, now: Timestamp) throws(StoreError) -> Deployment? {
        try read("reading deployment \(id)") { db in
            try DeploymentRows.find(id: id, now: now, in: db)
        }
    }

    public func promoteDeployment(id: Int64, by credential: String, now: Timestamp) throws(StoreError) -> Deployment? {
        try write("promoting deployment \(id)") { db in
            try DeploymentRows.promote(id: id, by: credential, now: now, in: db)
        }
    }

    @discardableResult
    public func stabilizeExpiredDeployments(now: Timestamp) throws(StoreError) -> Int {
        // Most calls find nothing due: check on the reader first and skip the write.
        let due = try read("finding deployments whose soak window ended") { db in
            try DeploymentRows.hasExpired(now: now, in: db)
        }
        guard due else { return 0 }
        return try write("making deployments whose soak window ended stable") { db in
            try DeploymentRows.stabilize(now: now, in: db)
        }
    }
}
