import Bus
import Domain
import Foundation
import HarvestryApp
import Simulator
import Store
import Testing

/// What the interlock tests set up on the pilot (settings, sources, streams, programs) and read back (commands,
/// audit rows, the truth's valve switches).
extension EndToEndFixture {
    /// Reads the pilot site's irrigation settings, applies `edit`, saves them (the engine reads them every pass).
    func editSettings(_ edit: (inout IrrigationSiteSettings) -> Void) async throws {
        var settings = try await self.irrigation.settings(siteID: PilotSeed.siteID, in: Self.scope)
        edit(&settings)
        try await self.irrigation.saveSettings(settings, in: Self.scope, audit: .none)
    }

    /// Sets (or with nil removes) one interlock source of the room's group.
    func setSource(
        _ source: InterlockSource?,
        for input: InterlockInput,
        _ setup: PilotSeed.RoomIrrigation
    )
        async throws
    {
        try await self.irrigation.setInterlockSource(
            source,
            for: input,
            groupID: setup.groupID,
            in: Self.scope,
            audit: .none
        )
    }

    /// Registers the pilot sensor `code`'s stream `key` (the simulator's key is the stream type) so the ingest stores
    /// its readings; returns the stream's id (the existing one when already registered).
    func registerStream(_ code: String, _ key: String, unit: String) async throws -> UUID {
        let device = try #require(PilotSeed.devices.first { $0.code == code }, "no pilot device \(code)")
        let rows = try await self.base.database.owner.query(
            """
            INSERT INTO sensor_streams (site_id, equipment_id, key, stream_type, unit)
            VALUES ($1::uuid, $2::uuid, $3, $3, $4)
            ON CONFLICT (equipment_id, key) DO UPDATE SET unit = EXCLUDED.unit RETURNING id
            """,
            [SQLValue(PilotSeed.siteID), SQLValue(device.id), SQLValue(key), SQLValue(unit)]
        )
        return try rows[0].decode("id")
    }

    /// The stream's latest stored reading and its age in seconds (nil before any).
    func latestReading(_ stream: UUID) async throws -> (value: Double, age: Double)? {
        let rows = try await self.base.database.owner.query(
            """
            SELECT value, extract(epoch FROM now() - ts)::float8 AS age FROM sensor_readings
            WHERE stream_id = $1::uuid ORDER BY ts DESC LIMIT 1
            """,
            [SQLValue(stream)]
        )
        guard let row = rows.first else { return nil }
        return (try row.decode("value"), try row.decode("age"))
    }

    /// A timed program on the room's group: `steps` as (valve code, seconds), in order.
    func program(
        _ setup: PilotSeed.RoomIrrigation,
        _ name: String,
        steps: [(valve: String, seconds: Double)],
        maxRuntime: TimeInterval
    ) async throws -> IrrigationProgram {
        let zones = try steps.map { step in
            let valve = try #require(setup.valves.first { $0.code == step.valve }, "\(step.valve) not in \(setup.room)")
            return ProgramStep(zoneID: setup.zoneID(valve), amount: .duration(step.seconds))
        }
        return try await self.irrigation.createProgram(
            IrrigationProgram(
                groupID: setup.groupID,
                name: "\(name) \(UUID().uuidString.prefix(8))",
                steps: zones,
                maxRuntime: maxRuntime
            ),
            in: Self.scope,
            audit: .none
        )
    }

    /// Starts `program` through the first instance's run engine.
    func start(program: IrrigationProgram) async throws -> IrrigationRun {
        try await self.engine.startRun(programID: program.id, manualApproval: false, in: Self.scope, audit: .none)
    }

    /// The run's audit rows, oldest first: "action" and, for an alert, "action CODE"; for an interlock event
    /// "action REASON".
    func audits(run: UUID) async throws -> [String] {
        let id = run.uuidString.lowercased()
        let rows = try await self.base.database.owner.query(
            """
            SELECT action, details FROM audit_logs
            WHERE site_id = $2::uuid AND (resource_id = $1 OR strpos(details, $1) > 0) ORDER BY seq
            """,
            [SQLValue(id), SQLValue(PilotSeed.siteID)]
        )
        return try rows.map { row in
            let action: String = try row.decode("action")
            let details: String = try row.decode("details")
            let json = (try? JSONSerialization.jsonObject(with: Data(details.utf8))) as? [String: Any] ?? [:]
            if let code = json["code"] as? String { return "\(action) \(code)" }
            if let reason = json["reason"] as? String, action.hasPrefix("interlock.") { return "\(action) \(reason)" }
            return action
        }
    }

    /// The run's device commands, oldest first: "open VLV-001 EXECUTED".
    func commands(run: UUID) async throws -> [String] {
        let rows = try await self.base.database.owner.query(
            "SELECT action, device_id, status FROM device_commands WHERE run_id = $1::uuid ORDER BY created_at, id",
            [SQLValue(run)]
        )
        let codes = Dictionary(uniqueKeysWithValues: PilotSeed.devices.map { ($0.id, $0.code) })
        return try rows.map { row in
            let device: UUID = try row.decode("device_id")
            let action: String = try row.decode("action")
            let status: String = try row.decode("status")
            return "\(action) \(codes[device] ?? device.uuidString) \(status)"
        }
    }

    /// Re-arms (operator override) every lockout of `reason` left on the site, so the next test starts clean.
    func clearLockouts(_ reason: InterlockReason) async throws {
        let rows = try await self.base.database.owner.query(
            """
            SELECT count(*) AS n FROM (
                SELECT DISTINCT ON (group_id) kind FROM interlock_events
                WHERE site_id = $1::uuid AND reason = $2 AND kind IN ('LATCHED', 'CLEARED')
                ORDER BY group_id, recorded_at DESC, id DESC
            ) latest WHERE kind = 'LATCHED'
            """,
            [SQLValue(PilotSeed.siteID), SQLValue(reason.rawValue)]
        )
        guard try rows[0].decode("n", as: Int.self) > 0 else { return }
        _ = try await self.engine.rearm(
            siteID: PilotSeed.siteID,
            reason: reason,
            note: "e2e: cleanup",
            in: Self.scope,
            audit: .none
        )
    }

    /// The room's valve switches in the truth: "VLV-001 on".
    static func switches(_ records: [TruthRecord], _ setup: PilotSeed.RoomIrrigation) -> [String] {
        Self.valveSwitches(records, setup).map { "\($0.0) \($0.1 ? "on" : "off")" }
    }

    /// The most valves among `codes` on at one time in the truth.
    static func mostOnAtOnce(
        _ records: [TruthRecord],
        _ setup: PilotSeed.RoomIrrigation,
        among codes: Set<String>
    )
        -> Int
    {
        var on: Set<String> = []
        var most = 0
        for (code, isOn) in Self.valveSwitches(records, setup) where codes.contains(code) {
            if isOn { on.insert(code) } else { on.remove(code) }
            most = max(most, on.count)
        }
        return most
    }
}
