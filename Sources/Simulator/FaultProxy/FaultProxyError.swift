/// An error from the fault proxy: what kind of failure (`code`), a message for people, and the field at fault for
/// validation failures.
public struct FaultProxyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Hashable, Sendable {
            case invalidArgument, alreadyExists, notRunning, io
        }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// Outside input (a toxic, a configuration) is malformed; `field` names it.
        public static let invalidArgument = Code(.invalidArgument)
        /// A toxic with that name is already active on the proxy.
        public static let alreadyExists = Code(.alreadyExists)
        /// The proxy is not listening.
        public static let notRunning = Code(.notRunning)
        /// Binding the listener failed.
        public static let io = Code(.io)

        public var description: String { self.wrapped.rawValue }
    }

    public var code: Code
    public var message: String
    /// The input field at fault (`latency`, `stream`, `listen_port`, ...) for `.invalidArgument`.
    public var field: String?

    public init(code: Code, message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    /// A validation failure naming the field.
    public static func invalid(_ field: String, _ message: String) -> FaultProxyError {
        FaultProxyError(code: .invalidArgument, message: "\(field): \(message)", field: field)
    }

    public var description: String { "FaultProxyError(\(self.code)): \(self.message)" }
}
