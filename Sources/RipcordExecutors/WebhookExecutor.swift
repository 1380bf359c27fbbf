import CurlClient
import Foundation
import RipcordCore

/// `kind: webhook`: POSTs a JSON description of the deployment and alerts (libcurl, TLS verified,
/// bearer token from a file). A 2xx is success; 5xx and network failures may be retried.
public struct WebhookExecutor: Executor {
    public let config: ExecutorConfig
    public var name: String { config.name }
    public var kind: String { "webhook" }

    /// Creates the executor.
    public init(config: ExecutorConfig) {
        self.config = config
    }

    func body(_ job: RollbackJob) -> [UInt8] {
        let d = job.deployment
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let deployment = (try? JSONSerialization.jsonObject(with: encoder.encode(d))) ?? [:]
        let object: [String: Any] = [
            "rollback_id": job.id,
            "policy": job.policy,
            "deployment": deployment,
            "from_version": d.version,
            "to_version": d.previousVersion,
            "alerts": job.triggers.map { ["alertname": $0.alertname, "fingerprint": $0.key.fingerprint,
                                          "starts_at": $0.key.startsAt.rfc3339Nanoseconds, "delivery_id": $0.deliveryID] },
        ]
        return Array(RequestRecord.json(object).utf8)
    }

    func headers(redacted: Bool) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json"), ("User-Agent", "ripcord")]
        for (name, value) in config.headers.sorted(by: { $0.key < $1.key }) { headers.append((name, value)) }
        if let token = config.token { headers.append(("Authorization", "Bearer " + (redacted ? RequestRecord.redacted : token))) }
        return headers
    }

    public func describe(_ job: RollbackJob) -> Result<String, ExecutorFailure> {
        var headerObject: [String: String] = [:]
        for header in headers(redacted: true) { headerObject[header.name] = header.value }
        return .success(RequestRecord.json(["method": "POST", "url": config.url, "headers": headerObject,
                                            "body": String(decoding: body(job), as: UTF8.self),
                                            "timeout": config.timeoutSeconds]))
    }

    public func execute(_ context: ExecutionContext) async -> ExecutorOutcome {
        var request = HTTPClientRequest(method: "POST", url: config.url, headers: headers(redacted: false),
                                        body: body(context.job), timeout: config.timeoutSeconds,
                                        connectTimeout: min(10, config.timeoutSeconds))
        request.caFile = config.caFile
        let started = Date()
        let prepared = request
        let answer = await BlockingCall.run { () -> Result<HTTPClientResponse, HTTPClientError> in
            Result { () throws(HTTPClientError) -> HTTPClientResponse in
                try HTTPClient(maxResponseBytes: 1 << 20).send(prepared)
            }
        }
        let duration = Date().timeIntervalSince(started)
        switch answer {
        case .success(let response) where (200..<300).contains(response.status):
            return ExecutorOutcome(result: AttemptResult(outcome: .succeeded, httpStatus: response.status, durationSeconds: duration,
                                                         outputTail: String(response.bodyText.suffix(4096)),
                                                         verification: "HTTP \(response.status) from \(config.url)"),
                                   retryable: false)
        case .success(let response):
            return ExecutorOutcome(result: AttemptResult(outcome: .failed, httpStatus: response.status, durationSeconds: duration,
                                                         outputTail: String(response.bodyText.suffix(4096)),
                                                         error: "\(config.url) answered \(response.status)"),
                                   retryable: response.status >= 500 || response.status == 429)
        case .failure(let error):
            return ExecutorOutcome(result: AttemptResult(outcome: error.code == .timedOut ? .timedOut : .failed,
                                                         durationSeconds: duration, error: error.message),
                                   retryable: error.code != .invalidURL)
        }
    }
}

/// Runs a blocking call (libcurl) on its own thread so it does not hold a Swift concurrency thread.
enum BlockingCall {
    static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.name = "ripcord-blocking-call"
            thread.start()
        }
    }
}
