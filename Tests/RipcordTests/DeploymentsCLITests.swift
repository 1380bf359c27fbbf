import Foundation
import Testing

/// Runs `ripcord deployments ARGS` against `server` (or `url`) with a token file from the test folder.
func deploymentsCLI(_ arguments: [String], server: RunningServer, url: String? = nil, token: String? = "secrets/deployer.token",
                    environment: [String: String] = [:]) async throws -> RipcordBinary.Result {
    var args = ["deployments"] + arguments
    if environment["RIPCORD_SERVER"] == nil { args += ["--server", url ?? server.base] }
    if let token { args += ["--token-file", token] }
    return try await RipcordBinary.run(args, in: server.folder.path, environment: environment)
}

/// The JSON object a command printed.
func printedJSON(_ result: RipcordBinary.Result) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any] ?? [:]
}

let recordArguments = ["record", "--service", "checkout", "--namespace", "prod", "--cluster", "eu-1",
                       "--environment", "production", "--version", "1.4.2", "--previous-version", "1.4.1",
                       "--strategy", "canary", "--soak", "30m", "--label", "team=payments", "--label", "tier=1",
                       "--idempotency-key", "ci-run-8812", "--helm-release", "checkout", "--helm-namespace", "prod",
                       "--helm-revision", "42", "--helm-previous-revision", "41", "--kube-context", "eu-1"]

@Suite("Deployments CLI", .serialized)
struct DeploymentsCLITests {
    @Test("record, list and promote against a running server print the server's records")
    func recordListPromote() async throws {
        let server = try RunningServer()
        let recorded = try await deploymentsCLI(recordArguments, server: server)
        #expect(recorded.status == 0, "\(recorded.stderr)")
        let record = printedJSON(recorded)
        let id = try #require(record["id"] as? Int, "\(recorded.stdout)")
        #expect(record["state"] as? String == "active")
        #expect(record["labels"] as? [String: String] == ["team": "payments", "tier": "1"])
        let helm = (record["target"] as? [String: Any])?["helm"] as? [String: Any]
        #expect(helm?["revision"] as? Int == 42)
        #expect(helm?["previous_revision"] as? Int == 41)
        #expect(helm?["kube_context"] as? String == "eu-1")
        #expect(try server.get("/api/v1/deployments/\(id)").json["version"] as? String == "1.4.2")

        let repeated = try await deploymentsCLI(recordArguments, server: server)
        #expect(repeated.status == 0, "\(repeated.stderr)")
        #expect(printedJSON(repeated)["id"] as? Int == id)

        let table = try await deploymentsCLI(["list", "--service", "checkout"], server: server, token: "secrets/reader.token")
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.count == 2, "\(table.stdout)")
        #expect(lines.first?.hasPrefix("ID") == true)
        #expect(lines.last?.split(separator: " ").prefix(6).map(String.init) == ["\(id)", "checkout", "prod", "eu-1", "1.4.2", "active"])

        let promoted = try await deploymentsCLI(["promote", "\(id)"], server: server)
        #expect(promoted.status == 0, "\(promoted.stderr)")
        #expect(printedJSON(promoted)["state"] as? String == "stable")

        let json = try await deploymentsCLI(["list", "--state", "stable", "--output", "json"], server: server, token: "secrets/reader.token")
        #expect(json.status == 0, "\(json.stderr)")
        #expect((printedJSON(json)["deployments"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [id])
    }

    @Test("--server and --token-file default to RIPCORD_SERVER and RIPCORD_TOKEN_FILE, and --target-json gives the whole target")
    func environmentDefaultsAndTargetJSON() async throws {
        let server = try RunningServer()
        let result = try await deploymentsCLI(["record", "--service", "web", "--namespace", "prod", "--version", "7",
                                         "--target-json", #"{"kubernetes": {"kind": "deployment", "name": "web", "namespace": "prod"}}"#],
                                        server: server, token: nil,
                                        environment: ["RIPCORD_SERVER": server.base + "/",
                                                      "RIPCORD_TOKEN_FILE": server.folder.path + "/secrets/deployer.token"])
        #expect(result.status == 0, "\(result.stderr)")
        let kubernetes = (printedJSON(result)["target"] as? [String: Any])?["kubernetes"] as? [String: Any]
        #expect(kubernetes?["kind"] as? String == "deployment")
        #expect(printedJSON(result)["strategy"] as? String == "rolling")
    }

    @Test("a deployment the server rejects exits 65 with the server's message on one line")
    func rejectedExits65() async throws {
        let server = try RunningServer()
        let result = try await deploymentsCLI(["record", "--service", "Checkout", "--namespace", "prod", "--version", "1"], server: server)
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("400"), "\(result.stderr)")
        #expect(result.stderr.contains("invalid_deployment"))
        #expect(result.stderr.contains("is not a Kubernetes name"))
        #expect(result.stderr.contains("(field: service)"))
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")

        let unknown = try await deploymentsCLI(["promote", "4242"], server: server)
        #expect(unknown.status == 65)
        #expect(unknown.stderr.contains("404"))

        let id = try server.recordedID(exampleDeployment)
        await #expect(try deploymentsCLI(["promote", "\(id)"], server: server).status == 0)
        let twice = try await deploymentsCLI(["promote", "\(id)"], server: server)
        #expect(twice.status == 65)
        #expect(twice.stderr.contains("409"))
        #expect(twice.stderr.contains("not active"))
    }

    @Test("a wrong token exits 77, and so does a role that may not do it")
    func authenticationExits77() async throws {
        let server = try RunningServer()
        try server.folder.write("secrets/wrong.token", "not-a-token\n")
        let wrong = try await deploymentsCLI(recordArguments, server: server, token: "secrets/wrong.token")
        #expect(wrong.status == 77)
        #expect(wrong.stderr.contains("401"), "\(wrong.stderr)")
        #expect(wrong.stderr.contains("token"))
        let none = try await deploymentsCLI(["list"], server: server, token: nil)
        #expect(none.status == 77)
        let reader = try await deploymentsCLI(recordArguments, server: server, token: "secrets/reader.token")
        #expect(reader.status == 77)
        #expect(reader.stderr.contains("403"))
        #expect(try server.listDeployments().isEmpty)
    }

    @Test("an unreachable server exits 69, which a pipeline may retry")
    func unreachableExits69() async throws {
        let server = try RunningServer()
        let closed = "http://127.0.0.1:\(freePort())"
        let result = try await deploymentsCLI(recordArguments + ["--timeout", "5"], server: server, url: closed)
        #expect(result.status == 69)
        #expect(result.stderr.contains("cannot reach Ripcord at \(closed)"), "\(result.stderr)")
        #expect(result.stderr.contains("retry"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test("usage mistakes exit 64 before anything is sent")
    func usageErrorsExit64() async throws {
        let server = try RunningServer()
        let cases: [[String]] = [
            ["record", "--service", "web", "--namespace", "prod", "--version", "1", "--soak", "soon"],
            ["record", "--service", "web", "--namespace", "prod", "--version", "1", "--label", "team"],
            ["record", "--service", "web", "--namespace", "prod", "--version", "1", "--strategy", "big-bang"],
            ["record", "--service", "web", "--namespace", "prod", "--version", "1", "--target-json", "[1]"],
            ["record", "--service", "web", "--namespace", "prod", "--version", "1", "--helm-revision", "3"],
            ["record", "--service", "web", "--namespace", "prod"],
            ["list", "--state", "sleeping"],
            ["promote", "abc"],
        ]
        for arguments in cases {
            let result = try await deploymentsCLI(arguments, server: server)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
        }
        let missingToken = try await deploymentsCLI(["list"], server: server, token: "secrets/missing.token")
        #expect(missingToken.status == 64)
        #expect(missingToken.stderr.contains("does not exist"))
        let noServer = try await RipcordBinary.run(["deployments", "list"], in: server.folder.path, environment: ["RIPCORD_SERVER": ""])
        #expect(noServer.status == 64)
        #expect(noServer.stderr.contains("RIPCORD_SERVER"))
        #expect(try server.listDeployments().isEmpty)
    }
}
