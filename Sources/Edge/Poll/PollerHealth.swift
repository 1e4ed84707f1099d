import Foundation

/// What the health endpoint shows about one polled device. Counters run from the poller's start.
public struct DevicePollHealth: Sendable, Hashable {
    /// The config section's name.
    public var name: String
    /// The platform device id its readings carry.
    public var deviceId: String
    /// `host:port unit N`.
    public var endpoint: String
    /// The last poll in which every block answered.
    public var lastSuccessfulPoll: Date?
    public var lastAttempt: Date?
    /// How long the last poll took, from its start to its last reply (with the gaps between requests).
    public var lastPollDuration: Duration?
    public var polls: UInt64 = 0
    public var successfulPolls: UInt64 = 0
    /// Readings handed to the spool.
    public var readings: UInt64 = 0
    /// Register values that read "not available" (0xFFFF, 0x7FFF, 0xFFFFFFFF, 0x7FFFFFFF) and were skipped.
    public var notAvailable: UInt64 = 0
    public var timeouts: UInt64 = 0
    /// Modbus exception replies.
    public var exceptions: UInt64 = 0
    /// Replies that were not a valid answer.
    public var malformedReplies: UInt64 = 0
    /// Failed connects and broken connections.
    public var connectionErrors: UInt64 = 0
    /// Appends the spool refused (those readings are lost).
    public var spoolErrors: UInt64 = 0
    /// Polls in a row that ended with a timeout or a connection error (the backoff's exponent).
    public var consecutiveFailures: Int = 0
    public var lastError: String?

    public init(name: String, deviceId: String, endpoint: String) {
        self.name = name
        self.deviceId = deviceId
        self.endpoint = endpoint
    }

    public var errors: UInt64 {
        self.timeouts + self.exceptions + self.malformedReplies + self.connectionErrors + self.spoolErrors
    }
}

/// Every polled device's health, in config order.
public struct PollerHealth: Sendable, Hashable {
    public var devices: [DevicePollHealth]

    public init(devices: [DevicePollHealth]) {
        self.devices = devices
    }

    public subscript(name: String) -> DevicePollHealth? {
        self.devices.first { $0.name == name }
    }
}
