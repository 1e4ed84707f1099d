/// Why the injector refused a request.
public struct FaultError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: Hashable, Sendable {
        /// The request is malformed; `violations` name the fields.
        case invalidArgument
        /// No fault of that id.
        case notFound
        /// The fault has already ended.
        case notActive
        /// The target it needs is not part of this simulator (no broker of its own, no inverter, no proxy).
        case targetUnavailable
        /// The target failed to apply it.
        case targetFailed
    }

    public struct Violation: Hashable, Sendable {
        /// The request field, as the API names it: `fault.sensor.sigma`, `fault.target`.
        public var field: String
        public var description: String

        public init(field: String, description: String) {
            self.field = field
            self.description = description
        }
    }

    public var code: Code
    public var message: String
    public var violations: [Violation]

    public init(_ code: Code, _ message: String, violations: [Violation] = []) {
        self.code = code
        self.message = message
        self.violations = violations
    }

    public static func invalid(_ violations: [Violation]) -> FaultError {
        let summary = violations.map { "\($0.field): \($0.description)" }.joined(separator: "; ")
        return FaultError(.invalidArgument, "invalid fault: \(summary)", violations: violations)
    }

    public static func invalid(_ field: String, _ description: String) -> FaultError {
        .invalid([Violation(field: field, description: description)])
    }

    public var description: String { self.message }
}
