import Domain
import Foundation

extension PilotSeed {
    /// The site's Sungrow hybrid inverter (seed 003: PV, battery and grid behind a WiNet-S dongle), at site level:
    /// it is in no room. The edge agent polls it and uploads its readings as this device.
    public static let inverter = Device(
        code: "INV-1",
        name: "Hybrid inverter",
        kind: .inverter,
        placement: "",
        model: "Sungrow SH10RT"
    )

    /// A stream the seed registers, keyed like the register it is read from.
    public struct Stream: Sendable, Hashable {
        public var key: String
        public var type: StreamType
        public var displayName: String
        /// The stream's id: `stream/<device code>/<key>`.
        public func id(of device: Device) -> UUID { PilotSeed.id("stream/\(device.code)/\(self.key)") }
    }

    /// The inverter's streams: one per measurement register of the Sungrow map (`RegisterMaps/sungrow.csv`), keyed by
    /// the register's name, so an edge agent sending each register under its own name needs no `stream.*` renames.
    /// The map's state and code registers (`device_type_code`, `work_state`), its nameplate rating
    /// (`nominal_output_power`) and its holding (control) registers are not measurements and have no stream: a
    /// device config lists the registers it uploads.
    public static let inverterStreams: [Stream] = [
        Stream(key: "inside_temperature", type: .temperature, displayName: "Inverter inside temperature"),
        Stream(key: "mppt1_voltage", type: .voltage, displayName: "MPPT 1 voltage"),
        Stream(key: "mppt1_current", type: .current, displayName: "MPPT 1 current"),
        Stream(key: "mppt2_voltage", type: .voltage, displayName: "MPPT 2 voltage"),
        Stream(key: "mppt2_current", type: .current, displayName: "MPPT 2 current"),
        Stream(key: "mppt3_voltage", type: .voltage, displayName: "MPPT 3 voltage"),
        Stream(key: "mppt3_current", type: .current, displayName: "MPPT 3 current"),
        Stream(key: "total_dc_power", type: .power, displayName: "PV (DC) power"),
        Stream(key: "daily_pv_generation", type: .energy, displayName: "PV generation today"),
        Stream(key: "total_pv_generation", type: .energy, displayName: "PV generation, lifetime"),
        Stream(key: "load_power", type: .power, displayName: "Load power"),
        Stream(key: "export_power", type: .power, displayName: "Export power (negative: import)"),
        Stream(key: "battery_voltage", type: .voltage, displayName: "Battery voltage"),
        Stream(key: "battery_current", type: .current, displayName: "Battery current"),
        Stream(key: "battery_power", type: .power, displayName: "Battery power"),
        Stream(key: "battery_level", type: .stateOfCharge, displayName: "Battery state of charge"),
        Stream(key: "battery_state_of_health", type: .stateOfHealth, displayName: "Battery state of health"),
        Stream(key: "battery_temperature", type: .temperature, displayName: "Battery temperature"),
        Stream(key: "total_active_power", type: .power, displayName: "AC output power"),
    ]

    static func loadInverterStreams(_ seeder: inout Seeder) async throws {
        for stream in self.inverterStreams {
            try await seeder.insert(
                "sensor_streams",
                [
                    "id": SQLValue(stream.id(of: self.inverter)), "site_id": SQLValue(siteID),
                    "equipment_id": SQLValue(self.inverter.id), "key": SQLValue(stream.key),
                    "stream_type": SQLValue(stream.type.rawValue),
                    "unit": SQLValue(stream.type.canonicalUnit.rawValue),
                    "display_name": SQLValue(stream.displayName),
                ],
                resource: "sensor_stream",
                site: siteID
            )
        }
    }
}
