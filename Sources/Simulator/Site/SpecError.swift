/// A site spec (a scenario file, a scale option) is invalid; `field` names what, e.g. `devices[3].kind`.
public struct SpecError: Error, Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(self.field): \(self.message)" }
}
