/// A fault the server applies to matching requests: an exception, no reply (the client times out) or a junk reply.
/// Held until cleared, or limited to the first `remaining` matching requests, or until `expires`.
public struct ModbusFault: Hashable, Sendable {
    public enum Effect: Hashable, Sendable {
        case exception(ModbusExceptionCode)
        case noReply
        case junkReply

        var disposition: ModbusDisposition {
            switch self {
            case .exception(let code): .exception(code)
            case .noReply: .noReply
            case .junkReply: .junkReply
            }
        }
    }

    /// Identifies the fault in logs and for `clear`; setting a fault with the same name replaces it.
    public var name: String
    public var effect: Effect
    /// The functions it applies to.
    public var functions: Set<ModbusFunction>
    /// The wire addresses it applies to: a request touching any of them matches.
    public var addresses: ClosedRange<Int>
    /// Applies to this many matching requests, then retires; nil while held.
    public var remaining: Int?
    /// Retires at this instant; nil while held.
    public var expires: ContinuousClock.Instant?

    public init(
        name: String,
        effect: Effect,
        functions: Set<ModbusFunction> = Set(ModbusFunction.allCases),
        addresses: ClosedRange<Int> = 0...0xFFFF,
        remaining: Int? = nil,
        expires: ContinuousClock.Instant? = nil
    ) throws(ModbusError) {
        guard (1...64).contains(name.utf8.count) else { throw .invalid("name", "must be 1...64 bytes") }
        guard !functions.isEmpty else { throw .invalid("functions", "must name at least one function") }
        guard addresses.lowerBound >= 0 && addresses.upperBound <= 0xFFFF else {
            throw .invalid("addresses", "must lie within 0...65535, got \(addresses)")
        }
        if let remaining, remaining < 1 { throw .invalid("remaining", "must be at least 1, got \(remaining)") }
        self.name = name
        self.effect = effect
        self.functions = functions
        self.addresses = addresses
        self.remaining = remaining
        self.expires = expires
    }

    func matches(_ request: ModbusRequest) -> Bool {
        self.functions.contains(request.function) && self.addresses.overlaps(request.addresses)
    }
}
