/// An error from the bus: what kind of failure (`code`), a message for people, and the field at fault for
/// validation failures.
public struct BusError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Hashable, Sendable {
            case invalidArgument, connection, protocolError, embeddedBroker
        }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// Outside input (a topic, a client id, a URL) is malformed; `field` names it.
        public static let invalidArgument = Code(.invalidArgument)
        /// Connecting to the broker failed, or the connection broke.
        public static let connection = Code(.connection)
        /// The broker or libmosquitto refused an operation.
        public static let protocolError = Code(.protocolError)
        /// The embedded broker could not be set up, started or stopped.
        public static let embeddedBroker = Code(.embeddedBroker)

        public var description: String { self.wrapped.rawValue }
    }

    public var code: Code
    public var message: String
    /// The input field at fault (`topic`, `site`, `client_id`, ...) for `.invalidArgument`.
    public var field: String?

    public init(code: Code, message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    /// A validation failure naming the field.
    public static func invalid(_ field: String, _ message: String) -> BusError {
        BusError(code: .invalidArgument, message: "\(field): \(message)", field: field)
    }

    public var description: String { "BusError(\(self.code)): \(self.message)" }
}
