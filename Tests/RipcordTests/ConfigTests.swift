import Foundation
import RipcordCore
import MicroHTTPServer
import Testing

@Suite("Config loading and check-config")
struct ConfigTests {
    @Test("the example config in the repository is valid")
    func exampleConfigIsValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("ripcord.yml"), encoding: .utf8)
        // Secrets are made by scripts/run; here only the structure is checked.
        do {
            _ = try ConfigLoader.parse(yaml: text, file: root.appendingPathComponent("ripcord.yml").path)
        } catch {
            #expect(error.issues.allSatisfy { $0.message.contains("secret file") }, "\(error)")
        }
    }

    @Test("mistakes are reported with file, line and field, all at once")
    func mistakesNameLineAndField() throws {
        let yaml = """
            listen: nowhere
            database: data/x.sqlite3
            limits:
              max_body_bytes: lots
              burst: 3
            auth:
              credentials:
                - name: a
                  role: superuser
                  token: t
                - name: b
                  role: reader
                  token_file: secrets/missing.token
                - name: c
                  role: reader
                  token: x
                  username: u
            surprise: true
            """
        do {
            _ = try ConfigLoader.parse(yaml: yaml, file: "/tmp/ripcord-test.yml")
            Issue.record("a bad config loaded")
        } catch {
            let byField = Dictionary(grouping: error.issues, by: \.field)
            #expect(byField["listen"]?.first?.line == 1)
            #expect(byField["limits.max_body_bytes"]?.first?.line == 4)
            #expect(byField["limits.burst"]?.first?.message.contains("unknown key") == true)
            #expect(byField["auth.credentials[0].role"]?.first?.line == 9)
            #expect(byField["auth.credentials[1].token_file"]?.first?.message.contains("does not exist") == true)
            #expect(byField["auth.credentials[2]"]?.first?.message.contains("exactly one of") == true)
            #expect(byField["surprise"]?.first?.line == 18)
            #expect(error.issues.allSatisfy { $0.description.hasPrefix("/tmp/ripcord-test.yml:") })
        }
    }

    @Test("limits.worker_threads sets the HTTP workers (default 16) and is refused outside 1–256")
    func workerThreads() throws {
        let folder = try TestFolder()
        let path = try folder.writeStandardConfig()
        let standard = try String(contentsOfFile: path, encoding: .utf8)
        try standard.replacingOccurrences(of: "limits:\n", with: "limits:\n  worker_threads: 5\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let server = try RunningServer(folder: folder)
        defer { server.stop() }
        #expect(server.application.server.configuration.threadPoolSize == 5)
        #expect(HTTPServerConfiguration().threadPoolSize >= 16)
        for bad in ["0", "1000", "many"] {
            let yaml = "listen: 127.0.0.1:0\ndatabase: data/x.sqlite3\nlimits:\n  worker_threads: \(bad)\n"
            #expect(throws: ConfigError.self) { _ = try ConfigLoader.parse(yaml: yaml, file: "/tmp/w.yml") }
            do {
                _ = try ConfigLoader.parse(yaml: yaml, file: "/tmp/w.yml")
            } catch {
                #expect(error.issues.contains { $0.field == "limits.worker_threads" && $0.line == 4 }, "\(error.issues)")
            }
        }
    }

    @Test("deliveries.retention is off unless set, takes a duration, and is refused under 24h")
    func deliveryRetention() throws {
        let base = "listen: 127.0.0.1:0\ndatabase: data/x.sqlite3\n"
        #expect(try ConfigLoader.parse(yaml: base, file: "/tmp/r.yml").deliveryRetentionSeconds == nil)
        let set = try ConfigLoader.parse(yaml: base + "deliveries:\n  retention: 30d\n", file: "/tmp/r.yml")
        #expect(set.deliveryRetentionSeconds == 2_592_000.0)
        for (bad, problem) in [("12h", "must be at least 24h"), ("soon", "duration")] {
            do {
                _ = try ConfigLoader.parse(yaml: base + "deliveries:\n  retention: \(bad)\n", file: "/tmp/r.yml")
                Issue.record("retention \(bad) was accepted")
            } catch {
                #expect(error.issues.contains { $0.field == "deliveries.retention" && $0.line == 4 && $0.message.contains(problem) },
                        "\(error.issues)")
            }
        }
    }

    @Test("relative paths are relative to the config file and a token file's trailing newline is ignored")
    func pathsAndSecrets() throws {
        let folder = try TestFolder()
        let path = try folder.writeStandardConfig()
        let config = try ConfigLoader.load(path: path)
        #expect(config.database == folder.path + "/data/ripcord.sqlite3")
        #expect(config.credentials.first?.secret == .bearer(token: Secrets.alertmanagerToken))
        #expect(config.credentials[1].secret == .basic(username: "am", password: Secrets.basicPassword))
        #expect(config.warnings.isEmpty)
    }

    @Test("check-config exits 0 for a good file and non-zero, naming line and field, for a bad one")
    func checkConfigCommand() async throws {
        let folder = try TestFolder()
        _ = try folder.writeStandardConfig()
        let good = try await RipcordBinary.run(["check-config"], in: folder.path)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("OK"))
        try folder.write("bad.yml", "listen: 127.0.0.1:9095\nauth:\n  credentials:\n    - name: x\n      role: nobody\n      token: t\n")
        let bad = try await RipcordBinary.run(["check-config", "--config", "bad.yml"], in: folder.path)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("bad.yml:5:13: auth.credentials[0].role: 'nobody' is not a role"), "\(bad.stderr)")
        let missing = try await RipcordBinary.run(["check-config", "--config", "nope.yml"], in: folder.path)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("nope.yml: config file does not exist"))
        let env = try await RipcordBinary.run(["check-config"], in: "/", environment: ["RIPCORD_CONFIG": folder.path + "/ripcord.yml"])
        #expect(env.status == 0, "\(env.stderr)")
    }

    @Test("Prometheus-style durations parse and bad ones are refused")
    func durations() {
        #expect(DurationText.seconds("30s") == 30)
        #expect(DurationText.seconds("1h30m") == 5400)
        #expect(DurationText.seconds("500ms") == 0.5)
        #expect(DurationText.seconds("7d") == 604_800)
        #expect(DurationText.seconds("0") == 0)
        #expect(DurationText.seconds("5") == nil)
        #expect(DurationText.seconds("m5") == nil)
        #expect(DurationText.seconds("") == nil)
        #expect(DurationText.format(5400) == "1h30m")
    }

    @Test("SHA-256 matches the FIPS 180-4 test vectors")
    func sha256Vectors() {
        #expect(SHA256.hex(Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("SHA-256 pads every length right: 0 to 199 bytes, across the one- and two-block tails")
    func sha256EveryTailLength() {
        // Python: sha256(b"".join(sha256(b"a" * n).digest() for n in range(200))).hexdigest()
        let digests = (0..<200).flatMap { SHA256.digest([UInt8](repeating: 0x61, count: $0)) }
        #expect(SHA256.hex(digests) == "752c007f38611cfbf5fa42cb1cea3d8e086491c844d0cc4defd632cb81423506")
        // A String's UTF-8 view (contiguous) and an Array of the same bytes agree.
        let text = String(repeating: "é", count: 40)
        #expect(SHA256.hex(text.utf8) == SHA256.hex(Array(text.utf8)))
    }
}
