import Domain
import Foundation

extension PilotSeed {
    /// One room's irrigation: a group over the room's valved zones, fed by the room's edge controller (its `estop`,
    /// `door` and `tank` state properties are the group's interlock sources), and a short timed program that opens
    /// each zone in turn (a line check: `stepSeconds` per zone).
    public struct RoomIrrigation: Sendable, Hashable {
        public var room: String
        /// The room's valves, in code order: (device, zone, load class).
        public var valves: [Device]

        public var groupID: UUID { PilotSeed.id("irrigation/group/\(self.room)") }
        public var programID: UUID { PilotSeed.id("irrigation/program/\(self.room)") }
        public var controllerID: UUID { PilotSeed.id("sim/controller/\(self.room)") }
        public var tankSensorID: UUID { PilotSeed.id("sim/tank/\(self.room)") }
        public var groupName: String { "\(self.room) drip" }
        public var programName: String { "\(self.room) line check" }
        public func zoneID(_ valve: Device) -> UUID { PilotSeed.id("zone/\(valve.placement)") }
    }

    /// Seconds each zone of a line-check program waters.
    public static let lineCheckStepSeconds: Double = 2
    /// The line-check programs' maximum runtime.
    public static let lineCheckMaxRuntimeSeconds: Double = 60

    /// Every room with valves: VEG-1 (2 STD zones), FLW-1 (2 HL zones, 1 STD).
    public static let irrigation: [RoomIrrigation] = rooms.compactMap { room in
        let valves = devices.filter { $0.kind == .valve && $0.roomCode == room.code }.sorted { $0.code < $1.code }
        return valves.isEmpty ? nil : RoomIrrigation(room: room.code, valves: valves)
    }

    /// The interlock inputs the pilot site requires: E-STOP, door and tank level, from the room controllers' state.
    /// EC and pH are not required and have no source (the seed's only streams are the inverter's; the substrate
    /// sensors' streams are registered when they are provisioned); the site has no CO2 exhaust interlock.
    public static let requiredInterlockInputs = ["estop", "door", "tank_level"]

    static func loadIrrigation(_ seeder: inout Seeder) async throws {
        try await seeder.insert(
            "irrigation_site_settings",
            [
                "site_id": SQLValue(siteID),
                "required_inputs": SQLValue("{\(self.requiredInterlockInputs.joined(separator: ","))}"),
            ],
            resource: "irrigation_site_settings",
            site: siteID,
            key: "site_id"
        )
        for setup in self.irrigation {
            try await self.loadGroup(setup, &seeder)
            try await self.loadProgram(setup, &seeder)
        }
    }

    private static func loadGroup(_ setup: RoomIrrigation, _ seeder: inout Seeder) async throws {
        try await seeder.insert(
            "irrigation_groups",
            ["id": SQLValue(setup.groupID), "site_id": SQLValue(siteID), "name": SQLValue(setup.groupName)],
            resource: "irrigation_group",
            site: siteID
        )
        for (position, valve) in setup.valves.enumerated() {
            try await seeder.insert(
                "irrigation_group_valves",
                [
                    "group_id": SQLValue(setup.groupID), "site_id": SQLValue(siteID), "position": SQLValue(position),
                    "zone_id": SQLValue(setup.zoneID(valve)), "device_id": SQLValue(valve.id),
                    "load_class": SQLValue(valve.loadClass?.rawValue ?? ValveLoadClass.standard.rawValue),
                ],
                resource: "irrigation_group_valve",
                site: siteID,
                key: "device_id"
            )
        }
        for (input, property) in [("estop", "estop"), ("door", "door"), ("tank_level", "tank")] {
            try await seeder.insert(
                "irrigation_interlock_sources",
                [
                    "group_id": SQLValue(setup.groupID), "site_id": SQLValue(siteID), "input": SQLValue(input),
                    "source_kind": "device_state", "device_id": SQLValue(setup.controllerID),
                    "property": SQLValue(property),
                ],
                resource: "irrigation_interlock_source",
                site: siteID,
                key: "group_id"
            )
        }
    }

    private static func loadProgram(_ setup: RoomIrrigation, _ seeder: inout Seeder) async throws {
        try await seeder.insert(
            "irrigation_programs",
            [
                "id": SQLValue(setup.programID), "site_id": SQLValue(siteID), "group_id": SQLValue(setup.groupID),
                "name": SQLValue(setup.programName), "max_runtime_seconds": SQLValue(self.lineCheckMaxRuntimeSeconds),
            ],
            resource: "irrigation_program",
            site: siteID
        )
        for (position, valve) in setup.valves.enumerated() {
            try await seeder.insert(
                "irrigation_program_steps",
                [
                    "program_id": SQLValue(setup.programID), "group_id": SQLValue(setup.groupID),
                    "site_id": SQLValue(siteID), "position": SQLValue(position),
                    "zone_id": SQLValue(setup.zoneID(valve)), "duration_seconds": SQLValue(self.lineCheckStepSeconds),
                ],
                resource: "irrigation_program_step",
                site: siteID,
                key: "program_id"
            )
        }
    }
}
