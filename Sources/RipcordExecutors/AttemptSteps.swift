import RipcordCore

/// The steps of one executor attempt, run against the attempt's timeout, with a transcript that
/// becomes the audit's output tail: what `CommandSteps` (programs) and `HTTPSteps` (requests) share.
protocol AttemptSteps {
    /// The executor's timeout for the whole attempt, in seconds.
    var timeout: Double { get }
    /// When the attempt started.
    var start: ContinuousClock.Instant { get }
    /// What the steps did, bounded by `note`.
    var transcript: String { get set }
}

extension AttemptSteps {
    /// How much of the transcript the audit keeps.
    static var tailLimit: Int { 16 * 1024 }

    /// Seconds since the attempt started.
    var elapsed: Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// Seconds left of the attempt's timeout.
    var remaining: Double { timeout - elapsed }

    /// Adds a line to the transcript (a step, or a decision the executor took between steps).
    mutating func note(_ text: String) {
        transcript += text.hasSuffix("\n") ? text : text + "\n"
        if transcript.utf8.count > Self.tailLimit * 2 {
            transcript = String(transcript.suffix(Self.tailLimit))
        }
    }

    /// Waits before reading the state again; false when the attempt's time is up or the task is cancelled.
    func pause(_ seconds: Double) async -> Bool {
        let wait = min(seconds, remaining - 0.1)
        guard wait > 0, !Task.isCancelled else { return false }
        try? await Task.sleep(for: .milliseconds(Int64(wait * 1000)))
        return !Task.isCancelled && remaining > 0.1
    }

    /// The transcript's tail, as the audit keeps it.
    var outputTail: String {
        transcript.utf8.count <= Self.tailLimit ? transcript : "[earlier output not kept]\n" + String(transcript.suffix(Self.tailLimit))
    }
}
