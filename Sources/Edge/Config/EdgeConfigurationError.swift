/// A config file that cannot be used, naming the file, the line and the field (`edge.conf:12: poll_interval: ...`).
public struct EdgeConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    /// One-based; the section's header line for a required field that is missing, 0 for the file as a whole.
    public var line: Int
    /// The key (`poll_interval`), `section`, or `file` for the file as a whole.
    public var field: String
    public var message: String

    public init(file: String, line: Int, field: String, message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String { "\(self.file):\(self.line): \(self.field): \(self.message)" }
}
