/// Where and how a `ModbusServer` listens.
public struct ModbusServerConfiguration: Hashable, Sendable {
    /// The IPv4 address to listen on; loopback unless a real network is meant.
    public var host: String
    /// 0 picks a free port (read it from `ModbusServer.port`).
    public var port: Int
    /// Clients connected at once; more are accepted and closed straight away.
    public var maxConnections: Int
    /// The unit id answered; a request for another unit is ignored (no reply). nil answers every unit.
    public var unit: Int?

    /// 127.0.0.1, a free port, 8 clients.
    public static let loopback = ModbusServerConfiguration(checkedHost: "127.0.0.1", port: 0, maxConnections: 8)

    private init(checkedHost host: String, port: Int, maxConnections: Int) {
        self.host = host
        self.port = port
        self.maxConnections = maxConnections
    }

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        maxConnections: Int = 8,
        unit: Int? = nil
    ) throws(ModbusError) {
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) else {
            throw .invalid("host", "must be a dotted IPv4 address, got '\(host)'")
        }
        guard (0...65535).contains(port) else { throw .invalid("port", "must be 0...65535, got \(port)") }
        guard (1...64).contains(maxConnections) else {
            throw .invalid("maxConnections", "must be 1...64, got \(maxConnections)")
        }
        if let unit, !(0...255).contains(unit) { throw .invalid("unit", "must be 0...255, got \(unit)") }
        self.unit = unit
        self.host = host
        self.port = port
        self.maxConnections = maxConnections
    }
}
