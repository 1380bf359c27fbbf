import Foundation

/// One thing wrong with a submitted deployment: the field at fault (`target.helm.revision`) and why.
public struct DeploymentProblem: Sendable, Hashable, CustomStringConvertible {
    /// The field at fault, as a path.
    public var field: String
    /// Why, as a phrase (`is required`), shown as `FIELD: MESSAGE` like `check-config` does.
    public var message: String

    /// Creates a problem.
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

/// Why a deployment submission was refused: every problem, the first field at fault, one readable message.
public struct DeploymentRequestError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public enum Code: String, Sendable {
        /// The body is not a JSON object at all.
        case malformed
        /// One or more fields are missing or wrong.
        case invalidField
    }
    /// What kind of failure.
    public var code: Code
    /// Every problem found, in the order of the documented fields (unknown fields last).
    public var problems: [DeploymentProblem]
    /// One readable line naming every problem.
    public var message: String
    /// The first field at fault, or nil when the body is not a JSON object.
    public var field: String? { problems.first?.field }

    /// An error for a body that is not a JSON object.
    public init(malformed message: String) {
        code = .malformed
        problems = []
        self.message = message
    }

    /// An error listing field problems (at least one).
    public init(problems: [DeploymentProblem]) {
        code = .invalidField
        self.problems = problems
        let listed = problems.map(\.description).joined(separator: "; ")
        message = problems.count == 1 ? listed : "\(problems.count) problems: \(listed)"
    }

    public var description: String { message }
}

/// Decodes and validates the body of `POST /api/v1/deployments` into a `NewDeployment`.
public enum DeploymentRequest {
    /// The top-level fields a submission may have, in the order problems are reported.
    public static let fields = ["service", "namespace", "cluster", "environment", "version", "previous_version",
                                "strategy", "labels", "soak", "idempotency_key", "target"]
    /// The longest free-text value accepted (`version`, `environment`, `idempotency_key`, label keys and values).
    public static let maxTextLength = 256

    /// Decodes a submission, naming every field at fault when it is not valid.
    public static func decode(_ body: [UInt8]) throws(DeploymentRequestError) -> NewDeployment {
        guard !body.isEmpty else {
            throw DeploymentRequestError(malformed: "the request body is empty; expected a deployment JSON object")
        }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(body))
        } catch {
            throw DeploymentRequestError(malformed: "the body is not valid JSON")
        }
        guard let object = value.object else {
            throw DeploymentRequestError(malformed: "the body must be a JSON object")
        }
        return try validate(object)
    }

    /// Validates a decoded submission.
    public static func validate(_ object: [String: JSONValue]) throws(DeploymentRequestError) -> NewDeployment {
        var problems: [DeploymentProblem] = []
        func report(_ field: String, _ message: String) { problems.append(DeploymentProblem(field: field, message: message)) }

        let service = kubernetesName(object, "service", required: true, report)
        let namespace = kubernetesName(object, "namespace", required: true, report)
        let cluster = kubernetesName(object, "cluster", required: false, report)
        let environment = text(object, "environment", required: false, report)
        let version = text(object, "version", required: true, report)
        let previousVersion = text(object, "previous_version", required: false, report)

        var strategy = DeploymentStrategy.rolling
        if let given = present(object, "strategy") {
            if let name = given.string, let known = DeploymentStrategy(rawValue: name) {
                strategy = known
            } else {
                report("strategy", "must be one of \(DeploymentStrategy.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        var labels: [String: String] = [:]
        if let given = present(object, "labels") {
            if let members = given.object {
                for key in members.keys.sorted() {
                    if let problem = textProblem(key, allowEmpty: false) {
                        report("labels", "has a key that \(problem)")
                    } else if let value = members[key]?.string {
                        if let problem = textProblem(value, allowEmpty: true) { report("labels.\(key)", problem) }
                        labels[key] = value
                    } else {
                        report("labels.\(key)", "must be a string")
                    }
                }
            } else {
                report("labels", "must be an object of strings")
            }
        }

        var soakSeconds: Double?
        if let given = present(object, "soak") {
            if let textValue = given.string, let seconds = DurationText.seconds(textValue) {
                if seconds > 0 { soakSeconds = seconds } else { report("soak", "must be longer than 0s") }
            } else {
                report("soak", "must be a duration such as \"30m\", \"1h30m\" or \"45s\"")
            }
        }

        let idempotencyKey = text(object, "idempotency_key", required: false, report, allowEmpty: false)

        var target: [String: JSONValue] = [:]
        if let given = present(object, "target") {
            problems += DeploymentTargetValidator.problems(given)
            target = given.object ?? [:]
        }

        for key in object.keys.sorted() where !fields.contains(key) {
            report(key, "is not a field of a deployment (fields: \(fields.joined(separator: ", ")))")
        }

        guard problems.isEmpty else { throw DeploymentRequestError(problems: problems) }
        return NewDeployment(service: service ?? "", namespace: namespace ?? "", cluster: cluster ?? "",
                             environment: environment ?? "", version: version ?? "",
                             previousVersion: previousVersion ?? "", strategy: strategy, labels: labels,
                             target: target, soakSeconds: soakSeconds, idempotencyKey: idempotencyKey)
    }

    /// The member, or nil when it is absent or `null` (optional fields may be sent as null).
    static func present(_ object: [String: JSONValue], _ key: String) -> JSONValue? {
        guard let value = object[key], value != .null else { return nil }
        return value
    }

    /// A free-text string member: at most `maxTextLength` characters, no control characters.
    static func text(_ object: [String: JSONValue], _ key: String, required: Bool,
                     _ report: (String, String) -> Void, allowEmpty: Bool? = nil) -> String? {
        guard let value = present(object, key) else {
            if required { report(key, "is required") }
            return nil
        }
        guard let string = value.string else {
            report(key, "must be a string")
            return nil
        }
        if let problem = textProblem(string, allowEmpty: allowEmpty ?? !required) {
            report(key, problem)
            return nil
        }
        return string
    }

    /// A string member that must be a Kubernetes name; an optional one may be empty (not given).
    static func kubernetesName(_ object: [String: JSONValue], _ key: String, required: Bool,
                               _ report: (String, String) -> Void) -> String? {
        guard let value = present(object, key) else {
            if required { report(key, "is required") }
            return nil
        }
        guard let string = value.string else {
            report(key, "must be a string")
            return nil
        }
        if string.isEmpty {
            if required { report(key, "must not be empty") }
            return required ? nil : ""
        }
        if let problem = KubernetesName.problem(string) {
            report(key, problem)
            return nil
        }
        return string
    }

    /// Why a free-text value is not accepted, or nil.
    static func textProblem(_ text: String, allowEmpty: Bool) -> String? {
        if text.isEmpty { return allowEmpty ? nil : "must not be empty" }
        if text.count > maxTextLength { return "is longer than \(maxTextLength) characters" }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "contains control characters"
        }
        return nil
    }
}
