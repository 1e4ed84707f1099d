import CoreTransport
import Fieldbus
import Foundation

/// The edge agent's configuration, parsed and validated from its config file (docs/edge.md "Configuration"): the
/// Modbus devices to poll, the uplink to the platform, the spool and the health endpoint.
public struct EdgeConfiguration: Sendable, Hashable {
    /// The file it was read from (as given), for messages.
    public var file: String
    public var devices: [ModbusDeviceConfiguration]
    /// `[uplink]`, in the uploader's terms.
    public var uplink: UplinkConfiguration
    /// `[spool]`, in the spool's terms.
    public var spool: SpoolConfiguration
    public var health: HealthConfiguration

    public init(
        file: String,
        devices: [ModbusDeviceConfiguration],
        uplink: UplinkConfiguration,
        spool: SpoolConfiguration,
        health: HealthConfiguration
    ) {
        self.file = file
        self.devices = devices
        self.uplink = uplink
        self.spool = spool
        self.health = health
    }
}

/// The `/healthz` and `/metrics` listener (`[health]`).
public struct HealthConfiguration: Sendable, Hashable {
    public var host: String
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int = 9108) {
        self.host = host
        self.port = port
    }
}
