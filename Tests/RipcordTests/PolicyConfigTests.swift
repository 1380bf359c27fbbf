import Foundation
import RipcordCore
import Testing

@Suite("Policies, matchers and executors in the config")
struct PolicyConfigTests {
    @Test("matchers use Alertmanager's syntax with anchored regexes")
    func matchers() throws {
        let labels = ["severity": "critical", "slo": "latency", "env": "prod", "team": "payments"]
        #expect(try LabelMatcher(parsing: #"severity="critical""#).matches(labels))
        #expect(try LabelMatcher(parsing: #"slo=~"availability|latency""#).matches(labels))
        #expect(try !LabelMatcher(parsing: #"slo=~"lat""#).matches(labels), "regexes are anchored")
        #expect(try LabelMatcher(parsing: #"env!="dev""#).matches(labels))
        #expect(try LabelMatcher(parsing: #"team!~"ops.*""#).matches(labels))
        #expect(try LabelMatcher(parsing: "severity=critical").matches(labels))
        #expect(try LabelMatcher(parsing: #"missing="""#).matches(labels), "a missing label is the empty string")
        #expect(throws: LabelMatcherError.self) { try LabelMatcher(parsing: #"slo=~"(unclosed""#) }
        #expect(throws: LabelMatcherError.self) { try LabelMatcher(parsing: "no operator") }
        #expect(throws: LabelMatcherError.self) { try LabelMatcher(parsing: #"9bad="x""#) }
    }

    @Test("a value starting with a combining mark is still quoted and round-trips (found by fuzzing)")
    func combiningMarkAfterQuote() throws {
        for value in ["\u{0301}abc", "\u{0301}\"x", "a\\b\"c"] {
            let matcher = try LabelMatcher(name: "x", op: .equal, value: value)
            let reparsed = try LabelMatcher(parsing: matcher.description)
            #expect(reparsed.value == value, "\(matcher.description)")
            #expect(reparsed.matches(["x": value]))
        }
    }

    @Test("a bad regex, an unknown executor and a shell-string command are errors with file and line")
    func policyMistakes() throws {
        let yaml = """
            executors:
              - name: rollback-script
                kind: command
                command: "/usr/local/bin/rollback --fast"
              - name: pipeline
                kind: webhook
                url: not-a-url
              - name: mystery
                kind: teleport
            policies:
              - name: slo-burn
                match: ['severity="critical"', 'slo=~"(availability"']
                deployment: {service: service, namespace: namespace}
                actions: [rollback-script, nowhere]
                cooldown: soon
            """
        do {
            _ = try ConfigLoader.parse(yaml: yaml, file: "/etc/ripcord/ripcord.yml")
            Issue.record("a bad config loaded")
        } catch {
            let byField = Dictionary(grouping: error.issues, by: \.field)
            #expect(byField["executors[0].command"]?.first?.message.contains("never a shell string") == true)
            #expect(byField["executors[0].command"]?.first?.line == 4)
            #expect(byField["executors[1].url"]?.first?.line == 7)
            #expect(byField["executors[2].kind"]?.first?.line == 9)
            #expect(byField["policies[0].match[1]"]?.first?.line == 12)
            #expect(byField["policies[0].match[1]"]?.first?.message.contains("regular expression") == true)
            #expect(byField["policies[0].actions[1]"]?.first?.message.contains("no executor is named 'nowhere'") == true)
            #expect(error.description.contains("/etc/ripcord/ripcord.yml:12:"))
        }
    }

    @Test("the issue's example policy config loads with every field")
    func exampleLoads() throws {
        let folder = try TestFolder()
        try folder.write("secrets/ci.token", "t0k3n\n")
        let config = try ConfigLoader.parse(yaml: """
            executors:
              - name: rollback-script
                kind: command
                command: ["/bin/true", "--fast"]
                timeout: 5m
              - name: pipeline
                kind: webhook
                url: https://ci.example.com/hooks/rollback
                token_file: secrets/ci.token
                timeout: 30s
            policies:
              - name: slo-burn
                match: ['severity="critical"', 'slo=~"availability|latency"']
                deployment: {service: service, namespace: namespace}
                for: 1m
                delay: 0s
                cancel_on_resolve: true
                actions: [rollback-script, pipeline]
                retries: 2
                dry_run: false
                cooldown: 30m
            limits:
              max_rollbacks: 5
              window: 1h
              concurrency: 2
            """, file: folder.path + "/ripcord.yml")
        #expect(config.executors.map(\.name) == ["rollback-script", "pipeline"])
        #expect(config.executors[0].timeoutSeconds == 300)
        #expect(config.executors[1].token == "t0k3n")
        let policy = try #require(config.policies.first)
        #expect(policy.forSeconds == 60)
        #expect(policy.cooldownSeconds == 1800)
        #expect(policy.retries == 2)
        #expect(policy.actions == ["rollback-script", "pipeline"])
        #expect(policy.deployment == ["service": "service", "namespace": "namespace"])
        #expect(config.rollbackLimits.maxRollbacks == 5)
        #expect(config.rollbackLimits.concurrency == 2)
    }
}
