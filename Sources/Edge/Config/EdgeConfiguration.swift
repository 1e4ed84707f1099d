import Fieldbus
import Foundation

/// The edge agent's configuration, parsed and validated from its config file (docs/edge.md "Configuration"): the
/// Modbus devices to poll, the uplink to the platform, the spool and the health endpoint.
public struct EdgeConfiguration: Sendable, Hashable {
    /// The file it was read from (as given), for messages.
    public var file: String
    public var devices: [ModbusDeviceConfiguration]
    public var uplink: UplinkConfiguration
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

/// Where and how readings go to the platform (`[uplink]`).
public struct UplinkConfiguration: Sendable, Hashable {
    /// The platform's gRPC endpoint.
    public var host: String
    public var port: Int
    public var tls: Bool
    /// The bearer token (from `token` or the file `token_file` names, trimmed).
    public var token: String
    /// Readings per upload at most.
    public var batchSize: Int

    public init(host: String, port: Int, tls: Bool, token: String, batchSize: Int = 500) {
        self.host = host
        self.port = port
        self.tls = tls
        self.token = token
        self.batchSize = batchSize
    }
}

/// The durable spool (`[spool]`).
public struct SpoolConfiguration: Sendable, Hashable {
    public var directory: String
    /// The spool's size limit on disk.
    public var maxBytes: Int64

    public init(directory: String, maxBytes: Int64) {
        self.directory = directory
        self.maxBytes = maxBytes
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
