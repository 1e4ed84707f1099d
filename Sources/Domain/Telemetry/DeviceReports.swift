import Foundation

/// Something a device reports on `hv/v1/{site}/{device}/event`: stored once per (device, `eventID`).
public struct DeviceEvent: Sendable, Hashable {
    public enum Severity: String, Sendable, Hashable, CaseIterable { case unspecified, info, warning, critical }

    public var siteID: UUID
    public var deviceID: UUID
    public var eventID: String
    /// UPPER_SNAKE_CASE, e.g. `ESTOP_OPEN`.
    public var code: String
    public var severity: Severity
    public var message: String
    public var attributes: [String: String]
    public var occurredAt: Date?

    public init(
        siteID: UUID,
        deviceID: UUID,
        eventID: String,
        code: String,
        severity: Severity,
        message: String,
        attributes: [String: String],
        occurredAt: Date?
    ) {
        self.siteID = siteID
        self.deviceID = deviceID
        self.eventID = eventID
        self.code = code
        self.severity = severity
        self.message = message
        self.attributes = attributes
        self.occurredAt = occurredAt
    }

    /// Throws `DomainError.invalid` naming the first bad field (`event.event_id`, `event.code`, ...).
    public func validate(now: Date) throws {
        let id = self.eventID
        guard (1...64).contains(id.count), id.unicodeScalars.allSatisfy(DeviceReportRules.isIDCharacter) else {
            throw DomainError.invalid("event.event_id", "must be 1-64 letters, digits, '.', '_', ':' or '-'")
        }
        try DeviceReportRules.validateCode(self.code, field: "event.code")
        guard self.message.count <= 1_000, !self.message.unicodeScalars.contains("\0") else {
            throw DomainError.invalid("event.message", "must be at most 1000 characters, no NUL")
        }
        try DeviceReportRules.validateMap(self.attributes, field: "event.attributes")
        try DeviceReportRules.validateTime(self.occurredAt, field: "event.timestamp", now: now)
    }
}

/// A device's current state from the retained `hv/v1/{site}/{device}/state`: the latest by `reportedAt` is kept.
public struct DeviceState: Sendable, Hashable {
    public var siteID: UUID
    public var deviceID: UUID
    public var reportedAt: Date?
    public var firmwareVersion: String
    public var uptimeSeconds: Int64
    public var signalDBM: Int32
    /// A latched fault's reason code; nil when none.
    public var faultCode: String?
    public var properties: [String: String]

    public init(
        siteID: UUID,
        deviceID: UUID,
        reportedAt: Date?,
        firmwareVersion: String,
        uptimeSeconds: Int64,
        signalDBM: Int32,
        faultCode: String?,
        properties: [String: String]
    ) {
        self.siteID = siteID
        self.deviceID = deviceID
        self.reportedAt = reportedAt
        self.firmwareVersion = firmwareVersion
        self.uptimeSeconds = uptimeSeconds
        self.signalDBM = signalDBM
        self.faultCode = faultCode
        self.properties = properties
    }

    /// Throws `DomainError.invalid` naming the first bad field (`state.timestamp`, `state.fault_code`, ...).
    public func validate(now: Date) throws {
        try DeviceReportRules.validateTime(self.reportedAt, field: "state.timestamp", now: now)
        guard self.firmwareVersion.count <= 64,
            !self.firmwareVersion.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw DomainError.invalid("state.firmware_version", "must be at most 64 characters, no control characters")
        }
        guard self.uptimeSeconds >= 0 else {
            throw DomainError.invalid("state.uptime_seconds", "must not be negative")
        }
        if let faultCode = self.faultCode { try DeviceReportRules.validateCode(faultCode, field: "state.fault_code") }
        try DeviceReportRules.validateMap(self.properties, field: "state.properties")
    }
}

/// The rules events and states share.
enum DeviceReportRules {
    /// How far ahead of the server's clock a report's time may be (as for readings).
    static let maximumFuture: TimeInterval = 300
    static let maximumEntries = 50

    static func isIDCharacter(_ s: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s)
            || s == "." || s == "_" || s == ":" || s == "-"
    }

    /// UPPER_SNAKE_CASE: an upper-case letter, then up to 63 upper-case letters, digits or `_`.
    static func validateCode(_ code: String, field: String) throws {
        let scalars = Array(code.unicodeScalars)
        func allowed(_ s: Unicode.Scalar) -> Bool { ("A"..."Z").contains(s) || ("0"..."9").contains(s) || s == "_" }
        guard (1...64).contains(scalars.count), ("A"..."Z").contains(scalars[0]), scalars.allSatisfy(allowed) else {
            throw DomainError.invalid(field, "must be UPPER_SNAKE_CASE, 1-64 characters")
        }
    }

    static func validateMap(_ map: [String: String], field: String) throws {
        guard map.count <= Self.maximumEntries else {
            throw DomainError.invalid(field, "must have at most \(Self.maximumEntries) entries")
        }
        for (key, value) in map {
            guard (1...64).contains(key.count), value.count <= 500, !(key + value).unicodeScalars.contains("\0") else {
                throw DomainError.invalid(
                    "\(field)[\(key.prefix(64))]",
                    "keys 1-64 characters, values at most 500, no NUL"
                )
            }
        }
    }

    static func validateTime(_ time: Date?, field: String, now: Date) throws {
        guard let time else { throw DomainError.invalid(field, "is required") }
        guard time.timeIntervalSince(now) <= Self.maximumFuture else {
            throw DomainError.invalid(field, "is more than \(Int(Self.maximumFuture)) s ahead of the server's clock")
        }
    }
}
