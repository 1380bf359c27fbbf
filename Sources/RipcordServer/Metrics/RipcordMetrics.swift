import Foundation
import Prometheus
import RipcordCore

/// Ripcord's own metrics, in Prometheus naming, served at `/metrics`.
public final class RipcordMetrics: Sendable {
    /// The registry behind `/metrics`.
    public let registry = PrometheusCollectorRegistry()
    private let queueDepth: Gauge
    private let circuitOpen: Gauge
    private let rollbackDuration: DurationHistogram

    static let httpBuckets: [Duration] = [.microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
                                          .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                          .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                          .seconds(1), .seconds(5)]
    static let rollbackBuckets: [Duration] = [.seconds(1), .seconds(5), .seconds(15), .seconds(30), .seconds(60),
                                              .seconds(120), .seconds(300), .seconds(600), .seconds(1800)]

    /// Creates the metrics and sets `ripcord_build_info`.
    public init(version: String = RipcordVersion.current) {
        queueDepth = registry.makeGauge(name: "ripcord_rollback_queue_depth",
                                        help: "Rollbacks planned and waiting to start")
        circuitOpen = registry.makeGauge(name: "ripcord_circuit_open",
                                         help: "1 while the rollback circuit breaker is open")
        rollbackDuration = registry.makeDurationHistogram(name: "ripcord_rollback_duration_seconds",
                                                          buckets: RipcordMetrics.rollbackBuckets,
                                                          help: "Time from a rollback's start to its end")
        registry.makeGauge(name: "ripcord_build_info", labels: [("version", version)],
                           help: "Ripcord's version; always 1").set(to: 1.0)
    }

    /// A webhook delivery's fate: `stored`, `duplicate`, `rejected` (4xx) or `unavailable` (503).
    public func delivery(_ result: String) {
        registry.makeCounter(name: "ripcord_deliveries_total", labels: [("result", result)],
                             help: "Alertmanager deliveries by result").increment()
    }

    /// Alerts received in stored deliveries, by status.
    public func alertsReceived(_ status: AlertStatus, count: Int) {
        guard count > 0 else { return }
        registry.makeCounter(name: "ripcord_alerts_received_total", labels: [("status", status.rawValue)],
                             help: "Alerts received, by status").increment(by: Int64(count))
    }

    /// A planner decision.
    public func decision(_ outcome: DecisionOutcome) {
        registry.makeCounter(name: "ripcord_decisions_total", labels: [("outcome", outcome.rawValue)],
                             help: "Planner decisions, by outcome").increment()
    }

    /// A rollback that ended.
    public func rollbackFinished(executor: String, result: String, seconds: Double?) {
        registry.makeCounter(name: "ripcord_rollbacks_total", labels: [("executor", executor), ("result", result)],
                             help: "Rollbacks that ended, by executor and result").increment()
        if let seconds { rollbackDuration.recordNanoseconds(Int64(seconds * 1e9)) }
    }

    /// The pending queue's length.
    public func setQueueDepth(_ depth: Int) { queueDepth.set(to: Double(depth)) }

    /// Whether the circuit breaker is open.
    public func setCircuitOpen(_ open: Bool) { circuitOpen.set(to: open ? 1.0 : 0.0) }

    /// One HTTP request's duration, by route pattern and status.
    public func httpRequest(route: String, code: Int, nanoseconds: Int64) {
        registry.makeDurationHistogram(name: "ripcord_http_request_duration_seconds",
                                       labels: [("route", route), ("code", String(code))],
                                       buckets: RipcordMetrics.httpBuckets,
                                       help: "HTTP request durations by route and status").recordNanoseconds(nanoseconds)
    }

    /// Records a config reload, as Prometheus and Alertmanager expose theirs.
    public func configReloaded(successful: Bool) {
        registry.makeGauge(name: "ripcord_config_last_reload_successful",
                           help: "Whether the last config reload succeeded").set(to: successful ? 1 : 0)
        if successful {
            registry.makeGauge(name: "ripcord_config_last_reload_success_timestamp_seconds",
                               help: "When the config was last loaded successfully").set(to: Date().timeIntervalSince1970)
        }
    }

    /// The text exposition format.
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}
