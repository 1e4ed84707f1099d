import Fieldbus
import Foundation

/// One Modbus TCP device (`[device NAME]`): where it is, which platform device its readings belong to, the registers
/// read and the stream each becomes, and the pacing it needs (defaults: a Sungrow WiNet-S dongle's).
public struct ModbusDeviceConfiguration: Sendable, Hashable {
    /// The register read and the platform stream key its value is sent as.
    public struct Point: Sendable, Hashable {
        public var register: RegisterDefinition
        public var stream: String

        public init(register: RegisterDefinition, stream: String) {
            self.register = register
            self.stream = stream
        }
    }

    public static let defaultPollInterval: Duration = .seconds(5)
    public static let defaultRequestGap: Duration = .milliseconds(30)
    public static let defaultResponseTimeout: Duration = .seconds(1)
    /// WiNet-S refuses reads of more than 100 registers.
    public static let defaultMaxBlockRegisters = 100
    public static let defaultMaxBlockGap = 16
    public static let defaultMaxBackoff: Duration = .seconds(300)

    /// The section's name, for logs and health.
    public var name: String
    /// The platform's device (equipment) id the readings carry.
    public var deviceId: UUID
    public var host: String
    public var port: Int
    public var unit: Int
    /// `sungrow` (built in) or the path of a map file, as configured.
    public var registerMapName: String
    public var points: [Point]
    /// The least time between two reads of the same register block (and between poll starts).
    public var pollInterval: Duration
    /// The least time between the end of one request and the start of the next.
    public var requestGap: Duration
    public var responseTimeout: Duration
    /// Registers per read at most.
    public var maxBlockRegisters: Int
    /// Unread registers one read may span between two wanted ones.
    public var maxBlockGap: Int
    /// Consecutive failed polls stretch the interval up to this.
    public var maxBackoff: Duration

    public init(
        name: String,
        deviceId: UUID,
        host: String,
        port: Int = 502,
        unit: Int = 1,
        registerMapName: String = "sungrow",
        points: [Point],
        pollInterval: Duration = Self.defaultPollInterval,
        requestGap: Duration = Self.defaultRequestGap,
        responseTimeout: Duration = Self.defaultResponseTimeout,
        maxBlockRegisters: Int = Self.defaultMaxBlockRegisters,
        maxBlockGap: Int = Self.defaultMaxBlockGap,
        maxBackoff: Duration = Self.defaultMaxBackoff
    ) {
        self.name = name
        self.deviceId = deviceId
        self.host = host
        self.port = port
        self.unit = unit
        self.registerMapName = registerMapName
        self.points = points
        self.pollInterval = pollInterval
        self.requestGap = requestGap
        self.responseTimeout = responseTimeout
        self.maxBlockRegisters = maxBlockRegisters
        self.maxBlockGap = maxBlockGap
        self.maxBackoff = maxBackoff
    }

    /// The id as `EdgeReading.deviceId` carries it (lowercase).
    public var platformDeviceId: String { self.deviceId.uuidString.lowercased() }
}
