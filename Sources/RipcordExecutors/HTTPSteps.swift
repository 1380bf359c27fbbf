import CurlClient
import Foundation
import RipcordCore

/// Sends the HTTP requests of one attempt within the attempt's timeout (libcurl, TLS verified), and
/// keeps a transcript (each method, URL, status and the tail of each answer) for the audit.
struct HTTPSteps: AttemptSteps {
    /// The executor's timeout for the whole attempt.
    let timeout: Double
    /// A CA bundle to verify the server with.
    let caFile: String?
    let start = ContinuousClock.now
    var transcript = ""
    private(set) var lastStatus: Int?

    init(timeout: Double, caFile: String?) {
        self.timeout = timeout
        self.caFile = caFile
    }

    /// Sends one request with what is left of the timeout (at most 30 s each); the answer or why there is none.
    mutating func send(_ method: String, _ url: String, headers: [(name: String, value: String)],
                       body: JSONValue? = nil) async -> Result<HTTPClientResponse, HTTPClientError> {
        let left = min(remaining, 30)
        guard left > 0.05, !Task.isCancelled else {
            note("\(method) \(url)\n[not sent: the attempt's time is up]")
            return .failure(HTTPClientError(code: .timedOut, message: "the timeout of \(timeout.secondsText) passed before \(method) \(url)"))
        }
        var allHeaders = headers + [("Accept", "application/json"), ("User-Agent", "ripcord")]
        if body != nil { allHeaders.append(("Content-Type", "application/json")) }
        var request = HTTPClientRequest(method: method, url: url, headers: allHeaders,
                                        body: body.map { Array(JSONText.compact($0).utf8) } ?? [],
                                        timeout: left, connectTimeout: min(10, left))
        request.caFile = caFile
        let prepared = request
        let began = elapsed
        let answer = await BlockingCall.run { () -> Result<HTTPClientResponse, HTTPClientError> in
            Result { () throws(HTTPClientError) -> HTTPClientResponse in try HTTPClient(maxResponseBytes: 8 << 20).send(prepared) }
        }
        let took = String(format: "%.2fs", elapsed - began)
        switch answer {
        case .success(let response):
            lastStatus = response.status
            let text = response.bodyText
            note("\(method) \(url) -> \(response.status) (\(took))\n" + (text.count > 600 ? String(text.prefix(600)) + "…" : text))
        case .failure(let error):
            note("\(method) \(url) -> \(error.message) (\(took))")
        }
        return answer
    }

    /// The attempt succeeded; `verification` says what was checked and what was found.
    func succeeded(_ verification: String) -> ExecutorOutcome {
        ExecutorOutcome(result: AttemptResult(outcome: .succeeded, httpStatus: lastStatus, durationSeconds: elapsed,
                                              outputTail: outputTail, verification: verification), retryable: false)
    }

    /// The attempt failed for a reason the executor found (a check, a verification, a request).
    func failed(_ error: String, verification: String = "", retryable: Bool, timedOut: Bool = false) -> ExecutorOutcome {
        ExecutorOutcome(result: AttemptResult(outcome: timedOut || remaining <= 0.1 ? .timedOut : .failed, httpStatus: lastStatus,
                                              durationSeconds: elapsed, outputTail: outputTail, verification: verification,
                                              error: error), retryable: retryable)
    }

    /// The attempt failed because a request did: network errors, 5xx and 429 may be retried, other answers not.
    func failure(_ what: String, _ answer: Result<HTTPClientResponse, HTTPClientError>, context text: String = "") -> ExecutorOutcome {
        let suffix = text.isEmpty ? "" : "; " + text
        switch answer {
        case .success(let response):
            let message = JSONText.parse(response.bodyText)?["message"]?.string ?? String(response.bodyText.prefix(300))
            return failed("\(what) answered \(response.status): \(message)" + suffix,
                          retryable: response.status >= 500 || response.status == 429)
        case .failure(let error):
            return failed("\(what) failed: \(error.message)" + suffix, retryable: error.code != .invalidURL && error.code != .tls,
                          timedOut: error.code == .timedOut)
        }
    }
}
