/// A spool failure: what went wrong and, for I/O, on which file.
public struct SpoolError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// A file operation failed (the message names the file and errno).
        case io
        /// The spool is full and its policy is `rejectNewest`: the readings were not stored.
        case full
        /// A reading cannot be stored (the message names the field).
        case invalidReading
        /// A configuration value is out of range (the message names the field).
        case invalidConfiguration
        /// An acknowledgement names sequences the spool never handed out.
        case invalidAcknowledgement
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { self.message }
}
