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
        queueDepth = registry.makeGauge(descriptor: Self.descriptor("rollback_queue_depth",
                                                                    help: "Rollbacks planned and waiting to start"))
        circuitOpen = registry.makeGauge(descriptor: Self.descriptor("circuit_open",
                                                                     help: "1 while the rollback circuit breaker is open"))
        rollbackDuration = registry.makeDurationHistogram(
            descriptor: Self.descriptor("rollback_duration", unit: "seconds", help: "Time from a rollback's start to its end"),
            buckets: RipcordMetrics.rollbackBuckets)
        registry.makeGauge(descriptor: Self.descriptor("build_info", help: "Ripcord's version; always 1"),
                           labels: [("version", version)]).set(to: 1.0)
    }

    /// A webhook delivery's fate: `stored`, `duplicate`, `rejected` (4xx) or `unavailable` (503).
    public func delivery(_ result: String) {
        registry.makeCounter(descriptor: Self.descriptor("deliveries", unit: "total", help: "Alertmanager deliveries by result"),
                             labels: [("result", result)]).increment()
    }

    /// Alerts received in stored deliveries, by status.
    public func alertsReceived(_ status: AlertStatus, count: Int) {
        guard count > 0 else { return }
        registry.makeCounter(descriptor: Self.descriptor("alerts_received", unit: "total", help: "Alerts received, by status"),
                             labels: [("status", status.rawValue)]).increment(by: Int64(count))
    }

    /// A planner decision.
    public func decision(_ outcome: DecisionOutcome) {
        registry.makeCounter(descriptor: Self.descriptor("decisions", unit: "total", help: "Planner decisions, by outcome"),
                             labels: [("outcome", outcome.rawValue)]).increment()
    }

    /// A rollback that ended.
    public func rollbackFinished(executor: String, result: String, seconds: Double?) {
        registry.makeCounter(descriptor: Self.descriptor("rollbacks", unit: "total",
                                                         help: "Rollbacks that ended, by executor and result"),
                             labels: [("executor", executor), ("result", result)]).increment()
        if let seconds { rollbackDuration.recordNanoseconds(Int64(seconds * 1e9)) }
    }

    /// The pending queue's length.
    public func setQueueDepth(_ depth: Int) { queueDepth.set(to: Double(depth)) }

    /// Whether the circuit breaker is open.
    public func setCircuitOpen(_ open: Bool) { circuitOpen.set(to: open ? 1.0 : 0.0) }

    /// One HTTP request's duration, by route pattern and status.
    public func httpRequest(route: String, code: Int, nanoseconds: Int64) {
        registry.makeDurationHistogram(
            descriptor: Self.descriptor("http_request_duration", unit: "seconds", help: "HTTP request durations by route and status"),
            labels: [("route", route), ("code", String(code))],
            buckets: RipcordMetrics.httpBuckets).recordNanoseconds(nanoseconds)
    }

    /// Records a config reload, as Prometheus and Alertmanager expose theirs.
    public func configReloaded(successful: Bool) {
        registry.makeGauge(descriptor: Self.descriptor("config_last_reload_successful",
                                                       help: "Whether the last config reload succeeded")).set(to: successful ? 1 : 0)
        if successful {
            registry.makeGauge(descriptor: Self.descriptor("config_last_reload_success_timestamp", unit: "seconds",
                                                           help: "When the config was last loaded successfully"))
                .set(to: Date().timeIntervalSince1970)
        }
    }

    /// `ripcord_METRIC_UNIT`, with its `# HELP` text (Prometheus naming: the unit last, `total` for counters).
    static func descriptor(_ metric: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "ripcord", metricName: metric, unitName: unit, helpText: help)
    }

    /// The text exposition format.
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}
