import ArgumentParser
import Bus
import Foundation
import Simulator

/// What `harvestry sim run` and `harvestry bench sim` share: the site, the broker and the run's shape.
struct SimOptions: ParsableArguments {
    @Option(help: "Broker URL mqtt://host:port (env MQTT_URL); without it a private embedded Mosquitto is started.")
    var mqttUrl: String?
    @Option(help: "A scenario file (JSON, docs/simulator.md).") var scenario: String?
    @Flag(help: "Simulate the seeded pilot site.") var pilot = false
    @Option(help: "Grow the site to this many devices by replicating its sensors (load runs).") var devices: Int?
    @Option(help: "The seed: the same seed and inputs give the same run.") var seed: UInt64 = 1
    @Option(help: "Devices per shared broker connection (controllers get their own).") var groupSize = 250
    @Option(help: "Concurrent publishers per connection.") var lanes = 4
    @Option(help: "Spool directory (one file per connection, replayed after a broker outage).")
    var spoolDir = ".harvestry/sim-spool"
    @Option(help: "Data directory of the embedded broker (without --mqtt-url).") var dataDir = ".harvestry"
    @Option(help: "Tells simulators of one site apart (1-8 of a-z0-9): part of the client ids and the spool lock.")
    var instance = RuntimeConfiguration.defaultInstance
    @Option(
        help: """
            Where the simulated clock starts, ISO 8601 in UTC (2026-06-21T06:00:00Z); default: now. With the seed it \
            makes a run reproducible (the PV curve and the programs follow the time of day).
            """
    )
    var start: String?

    func validate() throws {
        _ = try self.startInstant()
        guard self.pilot != (self.scenario != nil) else {
            throw ValidationError("give exactly one of --pilot and --scenario FILE")
        }
        if let devices = self.devices, !(1...1_000_000).contains(devices) {
            throw ValidationError("--devices must be 1...1000000 (got \(devices))")
        }
        guard (1...100_000).contains(self.groupSize) else {
            throw ValidationError("--group-size must be 1...100000 (got \(self.groupSize))")
        }
        guard (1...256).contains(self.lanes) else {
            throw ValidationError("--lanes must be 1...256 (got \(self.lanes))")
        }
        do {
            try RuntimeConfiguration.validate(instance: self.instance, field: "--instance")
        } catch {
            throw ValidationError("\(error)")
        }
        if let url = self.mqttUrl ?? ProcessInfo.processInfo.environment["MQTT_URL"] {
            do {
                _ = try MQTTEndpoint(url: url, field: "--mqtt-url")
            } catch {
                throw ValidationError(error.message)
            }
        }
    }

    /// The site: the pilot or the scenario, grown to `--devices`.
    func siteSpec() throws -> SiteSpec {
        var spec = SiteSpec.pilot()
        if let path = self.scenario { spec = try ScenarioFile.load(path: path) }
        if let devices = self.devices { spec = try spec.scaled(to: devices, field: "--devices") }
        return spec
    }

    /// Runs `body` with the broker's endpoint: `--mqtt-url` / MQTT_URL, or an embedded Mosquitto started for it.
    func withBroker<T>(_ body: (MQTTEndpoint) async throws -> T) async throws -> T {
        try await self.withBroker { endpoint, _ in try await body(endpoint) }
    }

    /// As `withBroker(_:)`, also handing over the embedded Mosquitto when this process started it (nil with
    /// `--mqtt-url`), for broker faults.
    func withBroker<T>(_ body: (MQTTEndpoint, EmbeddedMosquitto?) async throws -> T) async throws -> T {
        if let url = self.mqttUrl ?? ProcessInfo.processInfo.environment["MQTT_URL"] {
            return try await body(try MQTTEndpoint(url: url, field: "--mqtt-url"), nil)
        }
        let broker = EmbeddedMosquitto(configuration: .init(dataDirectory: self.dataDir + "/sim-mosquitto"))
        let url = try await broker.start()
        do {
            let value = try await body(try MQTTEndpoint(url: url), broker)
            await broker.stop()
            return value
        } catch {
            await broker.stop()
            throw error
        }
    }

    /// The longest run the runtime takes, in milliseconds.
    static let longestRunMilliseconds = Double(RuntimeConfiguration.longestRun.components.seconds) * 1000

    /// Parses `90`, `90s`, `15m`, `2h`, `1d`: from 1 ms to 100 years.
    static func duration(_ text: String, field: String) throws -> Duration {
        func milliseconds(_ value: Double) throws -> Duration {
            guard value.isFinite, value >= 1, value <= Self.longestRunMilliseconds else {
                throw ValidationError("\(field) must be between 1ms and 100 years (got '\(text.prefix(40))')")
            }
            return .milliseconds(Int64(value))
        }
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, millis) in units where text.hasSuffix(suffix) {
            if suffix == "s", text.hasSuffix("ms") { continue }
            if suffix == "m", text.hasSuffix("ms") { continue }
            if let value = Double(text.dropLast(suffix.count)) { return try milliseconds(value * Double(millis)) }
        }
        if let seconds = Double(text) { return try milliseconds(seconds * 1000) }
        throw ValidationError("\(field) must be a positive duration like 90s, 15m or 2h (got '\(text.prefix(40))')")
    }

    /// `--start`, or now: between 1970 and 2200 (the runtime also refuses a run that would end after 2262, where a
    /// `SimInstant` ends).
    func startInstant() throws -> SimInstant {
        guard let text = self.start else {
            return SimInstant(nanosecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1e9))
        }
        guard let date = ISO8601DateFormatter().date(from: text),
            (0...7_258_118_400).contains(date.timeIntervalSince1970)
        else {
            throw ValidationError(
                "--start must be an ISO 8601 UTC time between 1970 and 2200, like 2026-06-21T06:00:00Z "
                    + "(got '\(text.prefix(40))')"
            )
        }
        return SimInstant(nanosecondsSinceEpoch: Int64(date.timeIntervalSince1970) * 1_000_000_000)
    }
}
