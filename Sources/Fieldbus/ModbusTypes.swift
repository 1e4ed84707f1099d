/// The two 16-bit register tables a Modbus server exposes: input registers (read-only, FC04) and holding registers
/// (read FC03, write FC06/FC16).
public enum RegisterKind: String, Hashable, Sendable, CaseIterable {
    case input
    case holding
}

/// The function codes the server serves.
public enum ModbusFunction: UInt8, Hashable, Sendable, CaseIterable {
    case readHoldingRegisters = 0x03
    case readInputRegisters = 0x04
    case writeSingleRegister = 0x06
    case writeMultipleRegisters = 0x10

    /// The register table the function reads or writes.
    public var kind: RegisterKind { self == .readInputRegisters ? .input : .holding }
    public var isWrite: Bool { self == .writeSingleRegister || self == .writeMultipleRegisters }
}

/// Modbus exception codes (Modbus Application Protocol v1.1b3, section 7).
public enum ModbusExceptionCode: UInt8, Hashable, Sendable, CaseIterable {
    case illegalFunction = 0x01
    case illegalDataAddress = 0x02
    case illegalDataValue = 0x03
    case serverDeviceFailure = 0x04
    case acknowledge = 0x05
    case serverDeviceBusy = 0x06
    case memoryParityError = 0x08
    case gatewayPathUnavailable = 0x0A
    case gatewayTargetFailedToRespond = 0x0B
}

/// One decoded request as the server received it.
public struct ModbusRequest: Hashable, Sendable, CustomStringConvertible {
    /// The server's number for the TCP connection it came on (1, 2, ... in accept order).
    public var connection: Int
    public var unit: UInt8
    public var function: ModbusFunction
    /// The first wire (zero-based) address.
    public var address: UInt16
    public var count: Int
    /// The values written (FC06, FC16); empty for reads.
    public var values: [UInt16]

    public init(
        connection: Int,
        unit: UInt8 = 1,
        function: ModbusFunction,
        address: UInt16,
        count: Int,
        values: [UInt16] = []
    ) {
        self.connection = connection
        self.unit = unit
        self.function = function
        self.address = address
        self.count = count
        self.values = values
    }

    /// The wire addresses the request touches.
    public var addresses: ClosedRange<Int> { Int(self.address)...(Int(self.address) + max(self.count, 1) - 1) }

    public var description: String {
        "\(self.function) address=\(self.address) count=\(self.count) connection=\(self.connection)"
    }
}
