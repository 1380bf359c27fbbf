import Foundation
import RipcordCore
import RipcordExecutors
import Testing

/// State the tasks of a lock test share.
final class LockTestLog<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R { lock.withLock { body(&stored) } }
}

@Suite("TargetLocks: one rollback per object at a time")
struct TargetLocksTests {
    /// Waits (without blocking a thread) until `condition` holds. Generous: a parallel run under
    /// AddressSanitizer on 2 cores stalled all three waits past 5 s at once.
    func until(_ what: String, _ condition: () -> Bool) async throws {
        try await eventually(what, timeout: 30, condition)
    }

    @Test("disjoint key sets are held at once; a set overlapping a held key waits until it is released")
    func overlappingWaits() async throws {
        let locks = TargetLocks()
        let a = try await locks.acquire(["helm:kind-prod/prod/checkout"])
        let b = try await locks.acquire(["service:kind-prod/prod/checkout"])
        #expect(locks.heldKeys == ["helm:kind-prod/prod/checkout", "service:kind-prod/prod/checkout"])
        let order = LockTestLog<[String]>([])
        let flux = Task {
            let lease = try await locks.acquire(["helmrelease:kind-prod/prod/checkout", "helm:kind-prod/prod/checkout"])
            order.withLock { $0.append("flux") }
            return lease
        }
        try await until("flux to queue") { locks.waitingCount == 1 }
        #expect(order.withLock { $0 }.isEmpty)
        #expect(!locks.heldKeys.contains("helmrelease:kind-prod/prod/checkout"), "all or nothing: no key taken while waiting")
        locks.release(a)
        let fluxLease = try await flux.value
        #expect(order.withLock { $0 } == ["flux"])
        #expect(locks.heldKeys == ["helmrelease:kind-prod/prod/checkout", "helm:kind-prod/prod/checkout", "service:kind-prod/prod/checkout"])
        locks.release(fluxLease)
        locks.release(b)
        #expect(locks.heldKeys.isEmpty)
    }

    @Test("waiters are served first come, first served: a later one never overtakes an earlier one on a shared key")
    func fifoFairness() async throws {
        let locks = TargetLocks()
        let held = try await locks.acquire(["a"])
        let order = LockTestLog<[String]>([])
        func waiter(_ name: String, _ keys: [String]) -> Task<Void, any Error> {
            Task {
                let lease = try await locks.acquire(keys)
                order.withLock { $0.append(name) }
                try await Task.sleep(for: .milliseconds(20))
                locks.release(lease)
            }
        }
        let first = waiter("first", ["a", "b"])
        try await until("first to queue") { locks.waitingCount == 1 }
        // "b" is free, but the earlier waiter wants it: the later one must not take it first.
        let second = waiter("second", ["b"])
        try await until("second to queue") { locks.waitingCount == 2 }
        let unrelated = waiter("unrelated", ["c"])
        try await unrelated.value
        locks.release(held)
        try await first.value
        try await second.value
        #expect(order.withLock { $0 } == ["unrelated", "first", "second"])
        #expect(locks.heldKeys.isEmpty)
    }

    @Test("crossing key sets never deadlock: each is taken all at once")
    func noDeadlock() async throws {
        let locks = TargetLocks()
        let inside = LockTestLog(0)
        let overlap = LockTestLog(false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<40 {
                let keys = i % 2 == 0 ? ["x", "y"] : ["y", "x"]
                group.addTask {
                    try await locks.withLocks(keys) {
                        if inside.withLock({ $0 += 1; return $0 }) > 1 { overlap.withLock { $0 = true } }
                        await Task.yield()
                        inside.withLock { $0 -= 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(!overlap.withLock { $0 })
        #expect(locks.heldKeys.isEmpty)
    }

    @Test("a waiter that is cancelled leaves the queue holding nothing, and those behind it go on")
    func cancelledWaiterLeaves() async throws {
        let locks = TargetLocks()
        let held = try await locks.acquire(["a"])
        let cancelled = Task { try await locks.acquire(["a", "b"]) }
        try await until("the waiter to queue") { locks.waitingCount == 1 }
        let behind = Task { try await locks.acquire(["b"]) }
        try await until("the second waiter to queue") { locks.waitingCount == 2 }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        let lease = try await behind.value
        #expect(lease.keys == ["b"])
        #expect(locks.waitingCount == 0)
        locks.release(lease)
        locks.release(held)
        #expect(locks.heldKeys.isEmpty)
    }

    @Test("each executor kind names the object it changes as its lock key")
    func executorLockKeys() throws {
        let kube = try FakeKube(folder: TestFolder())
        let job = rollbackJob(target: ["helm": Targets.helm, "kubernetes": Targets.kubernetes, "service_switch": Targets.serviceSwitch,
                                       "ingress_switch": Targets.ingressSwitch, "canary": Targets.canary,
                                       "argo_rollout": Targets.argoRollout, "flux": Targets.flux,
                                       "argocd": json(#"{"app": "checkout"}"#)])
        var argocd = ExecutorConfig(name: "argocd", kind: .argocdRollback, timeoutSeconds: 10)
        argocd.server = "https://argocd.example.com"
        let registry = ExecutorRegistry(configs: [
            executorConfig("helm", .helmRollback, kube: kube), executorConfig("undo", .kubectlRolloutUndo, kube: kube),
            executorConfig("service", .serviceSelectorSwitch, kube: kube), executorConfig("ingress", .ingressSwitch, kube: kube),
            executorConfig("canary", .canaryWeightZero, kube: kube), executorConfig("abort", .argoRolloutsAbort, kube: kube),
            executorConfig("flux", .fluxSuspendHelmRollback, kube: kube), argocd,
            ExecutorConfig(name: "script", kind: .command, timeoutSeconds: 5),
        ])
        let keys = ["helm", "undo", "service", "ingress", "canary", "abort", "flux", "argocd", "script"].map { registry[$0]?.lockKeys(job) ?? ["?"] }
        #expect(keys == [
            ["helm:kind-prod/prod/checkout"], ["deployment:kind-prod/prod/checkout"], ["service:kind-prod/prod/checkout"],
            ["ingress:kind-prod/prod/checkout"], ["ingress:kind-prod/prod/checkout-canary"], ["rollout:kind-prod/prod/checkout"],
            ["helmrelease:kind-prod/prod/checkout", "helm:kind-prod/prod/checkout"], ["argocd:https://argocd.example.com/checkout"], [],
        ])
    }
}
