/// The device protocol's topic scheme, `hv/v1/{site}/{device}/{channel}` (docs/device-protocol.md): a pure parser
/// and builder with validation. Segments are 1-64 characters of letters, digits, `.`, `_` or `-`, so they never
/// contain MQTT wildcards or separators.
public struct DeviceTopic: Hashable, Sendable, CustomStringConvertible {
    /// The last topic segment: what the message is.
    public enum Channel: String, CaseIterable, Hashable, Sendable {
        /// Device -> platform, `TelemetryBatch`, QoS 1.
        case telemetry
        /// Device -> platform, `Event`, QoS 1.
        case event
        /// Device -> platform, `State`, QoS 1, retained.
        case state
        /// Device -> platform, presence (`online` / last will `offline`), QoS 1, retained.
        case status
        /// Platform -> device, `Command`, QoS 1.
        case cmd
        /// Device -> platform, `Ack`, QoS 1.
        case ack
    }

    /// The topic prefix: protocol name and major version.
    public static let prefix = "hv/v1"

    public let site: String
    public let device: String
    public let channel: Channel

    /// Builds a topic, validating `site` and `device`.
    public init(site: String, device: String, channel: Channel) throws(BusError) {
        try Self.validateSegment(site, field: "site")
        try Self.validateSegment(device, field: "device")
        self.site = site
        self.device = device
        self.channel = channel
    }

    /// Parses a concrete topic name such as `hv/v1/site-1/pump-3/telemetry`.
    public init(parsing topic: String) throws(BusError) {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5, parts[0] == "hv", parts[1] == "v1" else {
            throw BusError.invalid("topic", "must be hv/v1/{site}/{device}/{channel} (got '\(topic.prefix(80))')")
        }
        guard let channel = Channel(rawValue: parts[4]) else {
            let allowed = Channel.allCases.map(\.rawValue).joined(separator: ", ")
            throw BusError.invalid("channel", "must be one of \(allowed) (got '\(parts[4].prefix(40))')")
        }
        try self.init(site: parts[2], device: parts[3], channel: channel)
    }

    /// The topic name.
    public var name: String { "\(Self.prefix)/\(self.site)/\(self.device)/\(self.channel.rawValue)" }
    public var description: String { self.name }

    /// A filter for one channel of every device, optionally restricted to one site:
    /// `hv/v1/+/+/telemetry` or `hv/v1/site-1/+/telemetry`.
    public static func filter(channel: Channel, site: String? = nil) throws(BusError) -> String {
        if let site { try validateSegment(site, field: "site") }
        return "\(prefix)/\(site ?? "+")/+/\(channel.rawValue)"
    }

    /// A shared-subscription filter, `$share/{group}/{filter}`: the broker hands each message to one member.
    public static func shared(group: String, filter: String) throws(BusError) -> String {
        try validateSegment(group, field: "group")
        try TopicValidation.validateFilter(filter)
        return "$share/\(group)/\(filter)"
    }

    /// The shared-subscription group of the server instances' ingest consumers.
    public static let ingestGroup = "harvestry-ingest"

    /// The ingest subscription every server instance joins: `$share/harvestry-ingest/hv/v1/+/+/telemetry`.
    public static var ingestSubscription: String { "$share/\(ingestGroup)/\(prefix)/+/+/telemetry" }

    /// The presence subscription beside it: `$share/harvestry-ingest/hv/v1/+/+/status`.
    public static var statusSubscription: String { "$share/\(ingestGroup)/\(prefix)/+/+/status" }

    /// Device events: `$share/harvestry-ingest/hv/v1/+/+/event`.
    public static var eventSubscription: String { "$share/\(ingestGroup)/\(prefix)/+/+/event" }

    /// Device state (retained): `$share/harvestry-ingest/hv/v1/+/+/state`.
    public static var stateSubscription: String { "$share/\(ingestGroup)/\(prefix)/+/+/state" }

    /// Every subscription of the ingest consumer.
    public static var ingestSubscriptions: [String] {
        [ingestSubscription, statusSubscription, eventSubscription, stateSubscription]
    }

    static func validateSegment(_ value: String, field: String) throws(BusError) {
        let ok =
            (1...64).contains(value.utf8.count)
            && value.unicodeScalars.allSatisfy { s in
                ("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s)
                    || s == "." || s == "_" || s == "-"
            }
        guard ok else {
            throw BusError.invalid(
                field,
                "must be 1-64 characters of letters, digits, '.', '_' or '-' (got '\(value.prefix(40))')"
            )
        }
    }
}
