/// A helper process could not be started, waited for or signalled; `message` says which and why.
public struct ProcessError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { self.message }
}
