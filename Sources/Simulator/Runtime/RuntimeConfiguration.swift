import Bus

/// How `SimulationRuntime` runs a site. `validate()` names the bad field.
public struct RuntimeConfiguration: Sendable {
    public var broker: MQTTEndpoint
    /// Where a device group's connections go instead of `broker` (`harvestry sim run`: the group's fault proxy);
    /// a group without an entry connects to `broker`. Groups are `DeviceGroups`'.
    public var brokerByGroup: [String: MQTTEndpoint]
    /// Devices per shared connection (an edge gateway's worth); controllers always get their own.
    public var groupSize: Int
    /// Concurrent publishers per connection (a device always uses the same one, so its order holds).
    public var lanesPerConnection: Int
    /// Simulated seconds per real second: 1 is real time (load tests), 60 runs an hour a minute.
    public var speed: Double
    /// Where the simulation's clock starts.
    public var start: SimInstant
    /// How long to run, in simulated time.
    public var duration: Duration
    /// Holds one spool file per connection (`<client id>.spool` and `.spool.head`) and the lock of the site and
    /// instance running on it (`SpoolDirectoryLock`), created if missing.
    public var spoolDirectory: String
    public var keepAliveSeconds: Int
    /// How long the stop waits for spools and lanes to empty.
    public var drainTimeout: Duration
    /// How long the start waits for every connection to be up before the simulated clock starts (a broker that is
    /// down does not hold the run longer: its devices spool).
    public var connectWait: Duration
    /// Tells simulators of the same site apart (1-8 of `[a-z0-9]`): part of the client ids and of the spool
    /// directory's lock, so two instances share a broker and a spool directory without meeting.
    public var instance: String

    public static let defaultInstance = "1"

    public init(
        broker: MQTTEndpoint,
        brokerByGroup: [String: MQTTEndpoint] = [:],
        groupSize: Int = 250,
        lanesPerConnection: Int = 4,
        speed: Double = 1,
        start: SimInstant,
        duration: Duration,
        spoolDirectory: String,
        keepAliveSeconds: Int = 10,
        drainTimeout: Duration = .seconds(30),
        connectWait: Duration = .seconds(10),
        instance: String = Self.defaultInstance
    ) {
        self.broker = broker
        self.brokerByGroup = brokerByGroup
        self.groupSize = groupSize
        self.lanesPerConnection = lanesPerConnection
        self.speed = speed
        self.start = start
        self.duration = duration
        self.spoolDirectory = spoolDirectory
        self.keepAliveSeconds = keepAliveSeconds
        self.drainTimeout = drainTimeout
        self.connectWait = connectWait
        self.instance = instance
    }

    /// The endpoint `group`'s connections connect to.
    public func broker(forGroup group: String) -> MQTTEndpoint {
        self.brokerByGroup[group] ?? self.broker
    }

    /// The longest run, in simulated time and in real time.
    public static let longestRun: Duration = .seconds(Int64(100 * 366 * 86_400))

    public func validate() throws(SpecError) {
        guard (1...100_000).contains(self.groupSize) else {
            throw SpecError(field: "group_size", message: "must be 1...100000 (got \(self.groupSize))")
        }
        guard (1...256).contains(self.lanesPerConnection) else {
            throw SpecError(field: "lanes_per_connection", message: "must be 1...256 (got \(self.lanesPerConnection))")
        }
        guard self.speed.isFinite, self.speed >= 0.001, self.speed <= 1_000_000 else {
            throw SpecError(field: "speed", message: "must be between 0.001 and 1000000 (got \(self.speed))")
        }
        guard self.duration > .zero else { throw SpecError(field: "duration", message: "must be positive") }
        guard self.duration <= Self.longestRun else {
            throw SpecError(field: "duration", message: "must be at most 100 years (got \(self.duration))")
        }
        guard !self.start.nanosecondsSinceEpoch.addingReportingOverflow(self.duration.nanoseconds).overflow else {
            throw SpecError(field: "duration", message: "must end before 2262, the end of a simulation instant")
        }
        guard Double(self.duration.nanoseconds) / self.speed <= Double(Self.longestRun.nanoseconds) else {
            throw SpecError(field: "speed", message: "makes the run last over 100 years of real time")
        }
        guard !self.spoolDirectory.isEmpty else {
            throw SpecError(field: "spool_directory", message: "is required")
        }
        try Self.validate(instance: self.instance, field: "instance")
        guard (5...65_535).contains(self.keepAliveSeconds) else {
            throw SpecError(field: "keep_alive_seconds", message: "must be 5...65535 (got \(self.keepAliveSeconds))")
        }
    }

    /// An instance name is 1-8 characters of `[a-z0-9]` (it becomes part of client ids and file names).
    public static func validate(instance: String, field: String) throws(SpecError) {
        let allowed = instance.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard (1...8).contains(instance.utf8.count), allowed else {
            throw SpecError(
                field: field,
                message: "must be 1-8 characters of a-z and 0-9 (got '\(instance.prefix(40))')"
            )
        }
    }
}
