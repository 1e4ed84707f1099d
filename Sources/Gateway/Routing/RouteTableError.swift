/// A `google.api.http` rule the gateway refuses, naming the method, the binding and what is wrong.
public struct RouteTableError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String { case invalidRule, invalidTemplate, unknownField, ambiguous, missingType }
        private let wrapped: Wrapped
        /// No pattern, a GET with a body, nested additional bindings, ...
        public static let invalidRule = Self(wrapped: .invalidRule)
        /// The path template does not parse.
        public static let invalidTemplate = Self(wrapped: .invalidTemplate)
        /// A path variable, body or response_body names a field the message does not have (or cannot bind).
        public static let unknownField = Self(wrapped: .unknownField)
        /// Two rules with the same HTTP method match the same paths.
        public static let ambiguous = Self(wrapped: .ambiguous)
        /// A method's message has no generated Swift type (run scripts/generate).
        public static let missingType = Self(wrapped: .missingType)
        public var description: String { self.wrapped.rawValue }
    }

    public var code: Code
    /// `harvestry.echo.v1.EchoService.Echo`.
    public var method: String
    /// 0 for the rule, n for its n-th additional binding.
    public var binding: Int
    public var message: String

    public var description: String {
        let which = self.binding == 0 ? "" : " (additional_bindings[\(self.binding - 1)])"
        return "google.api.http rule of \(self.method)\(which): \(self.message)"
    }
}
