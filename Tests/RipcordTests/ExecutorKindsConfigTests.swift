import Foundation
import RipcordCore
import Testing

@Suite("Executor kinds and notify in the config")
struct ExecutorKindsConfigTests {
    @Test("every Kubernetes and GitOps kind loads with its options; programs and files are relative to the config")
    func everyKindLoads() throws {
        let folder = try TestFolder()
        let kube = try FakeKube(folder: folder)
        try folder.write("secrets/argocd.token", "argo-token\n")
        try folder.write("secrets/slack.token", "slack-token\n")
        let config = try ConfigLoader.parse(yaml: """
            executors:
              - {name: helm, kind: helm-rollback, helm_path: fakebin/helm, timeout: 5m, kill_grace: 2s}
              - {name: undo, kind: kubectl-rollout-undo, kubectl_path: \(kube.kubectl)}
              - {name: switch, kind: service-selector-switch}
              - {name: ingress, kind: ingress-switch}
              - {name: canary, kind: canary-weight-zero}
              - {name: abort, kind: argo-rollouts-abort}
              - {name: argocd, kind: argocd-rollback, server: "https://argocd.example.com/", token_file: secrets/argocd.token}
              - {name: flux, kind: flux-suspend-helm-rollback, helm_path: fakebin/helm, kubectl_path: fakebin/kubectl}
            policies:
              - name: slo-burn
                match: ['severity="critical"']
                deployment: {service: service, namespace: namespace}
                actions: [helm, undo, switch, ingress, canary, abort, argocd, flux]
                notify:
                  url: https://hooks.slack.com/services/T000/B000/XXXX
                  token_file: secrets/slack.token
                  link_base: https://ripcord.example.com/
            """, file: folder.path + "/ripcord.yml")
        #expect(config.executors.map(\.kind.rawValue) == ["helm-rollback", "kubectl-rollout-undo", "service-selector-switch", "ingress-switch",
                                                          "canary-weight-zero", "argo-rollouts-abort", "argocd-rollback",
                                                          "flux-suspend-helm-rollback"])
        #expect(config.executors[0].helmPath == kube.helm)
        #expect(config.executors[0].timeoutSeconds == 300)
        #expect(config.executors[0].killGraceSeconds == 2)
        #expect(config.executors[1].kubectlPath == kube.kubectl)
        #expect(config.executors[1].timeoutSeconds == 300, "CLI kinds default to 5m")
        #expect(config.executors[2].kubectlPath == nil, "found on PATH when run")
        #expect(config.executors[6].server == "https://argocd.example.com")
        #expect(config.executors[6].token == "argo-token")
        #expect(config.executors[7].kubectlPath == kube.kubectl)
        let notify = try #require(config.policies.first?.notify)
        #expect(notify.url == "https://hooks.slack.com/services/T000/B000/XXXX")
        #expect(notify.token == "slack-token")
        #expect(notify.linkBase == "https://ripcord.example.com")
    }

    @Test("a program that is not executable, options of another kind, an Argo CD without server or token, and a bad notify are errors")
    func mistakes() throws {
        let folder = try TestFolder()
        try folder.write("not-a-program", "data")
        let yaml = """
            executors:
              - name: helm
                kind: helm-rollback
                helm_path: not-a-program
              - name: undo
                kind: kubectl-rollout-undo
                helm_path: /usr/bin/helm
              - name: argocd
                kind: argocd-rollback
                server: ftp://argocd
            policies:
              - name: slo-burn
                match: ['severity="critical"']
                deployment: {service: service}
                actions: [helm]
                notify: {url: hooks.slack.com, link: x}
            """
        do {
            _ = try ConfigLoader.parse(yaml: yaml, file: folder.path + "/ripcord.yml")
            Issue.record("a bad config loaded")
        } catch {
            let byField = Dictionary(grouping: error.issues, by: \.field)
            #expect(byField["executors[0].helm_path"]?.first?.message == "\(folder.path)/not-a-program is not an executable file")
            #expect(byField["executors[1].helm_path"]?.first?.message.hasPrefix("unknown key 'helm_path' (allowed here: name, kind, timeout, kubectl_path, kill_grace)") == true)
            #expect(byField["executors[2].server"]?.first?.message == "'ftp://argocd' is not an http(s) base URL such as https://argocd.example.com")
            #expect(byField["executors[2].token_file"]?.first?.message.hasPrefix("is required") == true)
            #expect(byField["policies[0].notify.link"]?.first?.message.hasPrefix("unknown key 'link'") == true)
            #expect(byField["policies[0].notify.url"]?.first?.message == "'hooks.slack.com' is not an http(s) URL")
            #expect(byField["policies[0].notify.url"]?.first?.line == 16)
        }
    }
}
