/// A runtime file (a spool, the ground truth) could not be opened, written or read; `path` names it.
public struct SimFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "SimFileError: \(self.path): \(self.message)" }
}
