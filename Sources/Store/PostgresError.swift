/// An error from the store: what kind of failure (`code`), a message for people, and the server's SQLSTATE when the
/// server reported one.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Hashable, Sendable {
            case connection, query, decoding, copy, poolClosed, migration, embeddedServer
        }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// Connecting failed, or the connection broke during a call.
        public static let connection = Code(.connection)
        /// The server rejected a statement; `sqlState` says why.
        public static let query = Code(.query)
        /// A value could not be decoded as the requested Swift type.
        public static let decoding = Code(.decoding)
        /// COPY FROM STDIN failed.
        public static let copy = Code(.copy)
        /// The pool was closed.
        public static let poolClosed = Code(.poolClosed)
        /// A migration could not be applied, or an applied one was edited.
        public static let migration = Code(.migration)
        /// The embedded server could not be set up, started or stopped.
        public static let embeddedServer = Code(.embeddedServer)

        public var description: String { self.wrapped.rawValue }
    }

    public var code: Code
    public var message: String
    /// The five-character SQLSTATE (e.g. `23505` unique_violation) for `.query` and `.copy` errors.
    public var sqlState: String?

    public init(code: Code, message: String, sqlState: String? = nil) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
    }

    public var description: String {
        if let sqlState { return "\(self.code) error (SQLSTATE \(sqlState)): \(self.message)" }
        return "\(self.code) error: \(self.message)"
    }
}
