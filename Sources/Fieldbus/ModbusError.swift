/// A Modbus failure, on either side: a bad argument (naming the field), a connection or socket problem, a
/// Modbus exception reply, no reply in time, or a reply that is not a valid Modbus frame.
public struct ModbusError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: Hashable, Sendable {
        /// An argument was out of range; `field` names it.
        case invalidArgument(field: String)
        case connection
        /// The server answered with a Modbus exception.
        case exception(ModbusExceptionCode)
        /// No reply within the response timeout.
        case timeout
        /// The reply was not a valid answer to the request (wrong transaction id, length, function or byte count).
        case malformedReply
        /// The client or server is closed.
        case closed
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "ModbusError(\(self.code)): \(self.message)" }

    static func invalid(_ field: String, _ message: String) -> ModbusError {
        ModbusError(code: .invalidArgument(field: field), message: "\(field): \(message)")
    }
}
