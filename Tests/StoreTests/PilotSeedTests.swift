import Domain
import Foundation
import Store
import Testing

extension PostgresIntegrationTests {
    /// The pilot seed loads what FRP W0 lists, and loading it again changes nothing at all.
    @Test func pilotSeedIsCompleteAndIdempotent() async throws {
        try await withMigratedDatabase { db in
            let first = try await PilotSeed.load(db.owner)
            #expect(first.inserted > 0)
            let snapshot = try await Self.snapshot(db.owner)
            let second = try await PilotSeed.load(db.owner)
            #expect(second.inserted == 0)
            #expect(try await Self.snapshot(db.owner) == snapshot)

            let counts = try await db.owner.query(
                """
                SELECT (SELECT count(*) FROM organizations) AS orgs, (SELECT count(*) FROM sites) AS sites,
                    (SELECT count(*) FROM zones z JOIN rooms r ON r.id = z.room_id WHERE r.code = 'VEG-1') AS veg,
                    (SELECT count(*) FROM zones z JOIN rooms r ON r.id = z.room_id WHERE r.code = 'FLW-1') AS flower,
                    (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM badges) AS badges,
                    (SELECT count(*) FROM strains) AS strains, (SELECT count(*) FROM batches) AS batches,
                    (SELECT count(*) FROM equipment WHERE kind = 'sensor') AS sensors,
                    (SELECT count(*) FROM equipment WHERE kind = 'valve') AS valves,
                    (SELECT count(*) FROM equipment WHERE kind = 'pump') AS pumps,
                    (SELECT count(*) FROM equipment WHERE kind = 'controller') AS controllers,
                    (SELECT count(*) FROM equipment WHERE kind = 'inverter' AND room_id IS NULL AND zone_id IS NULL
                        AND code = 'INV-1' AND model = 'Sungrow SH10RT') AS inverters,
                    (SELECT count(*) FROM sensor_streams s JOIN equipment e ON e.id = s.equipment_id
                        WHERE e.code = 'INV-1') AS inverter_streams,
                    (SELECT count(*) FROM sensor_streams) AS streams,
                    (SELECT count(*) FROM irrigation_groups) AS groups,
                    (SELECT count(*) FROM irrigation_group_valves) AS group_valves,
                    (SELECT count(*) FROM irrigation_programs) AS programs,
                    (SELECT count(*) FROM irrigation_program_steps) AS steps,
                    (SELECT count(*) FROM irrigation_interlock_sources) AS sources,
                    (SELECT count(*) FROM irrigation_site_settings) AS settings,
                    (SELECT count(*) FROM valve_zone_mappings) AS mappings,
                    (SELECT count(*) FROM inventory_locations) AS locations,
                    (SELECT count(*) FROM audit_logs) AS audit
                """
            )[0]
            func n(_ column: String) throws -> Int { try counts.decode(column, as: Int.self) }
            #expect(
                try [n("orgs"), n("sites"), n("veg"), n("flower"), n("users"), n("badges")] == [1, 1, 4, 6, 10, 10]
            )
            #expect(try [n("strains"), n("batches"), n("sensors"), n("valves"), n("pumps")] == [3, 2, 12, 5, 2])
            #expect(try n("controllers") == 2)
            #expect(try [n("inverters"), n("inverter_streams"), n("streams")] == [1, 19, 19])
            #expect(
                try [n("groups"), n("group_valves"), n("programs"), n("steps"), n("sources"), n("settings")]
                    == [2, 5, 2, 5, 6, 1]
            )
            #expect(try n("mappings") == 5)
            #expect(try n("locations") >= 1)
            #expect(try n("audit") == first.inserted)
            let roles = try await db.owner.query(
                "SELECT role, count(*) AS n FROM user_roles GROUP BY role ORDER BY role"
            )
            #expect(
                try roles.map { "\(try $0.decode("role", as: String.self))=\(try $0.decode("n", as: Int.self))" }
                    == ["admin=1", "compliance=2", "manager=3", "operator=4"]
            )

            // A seeded badge logs in through the service role.
            let login = try await db.identity.badgeLogin(badgeCode: "DGC-1001", deviceID: "floor-tablet", audit: .none)
            #expect(login.profile.user.email == "alex.rivera@denvergrow.example")
            #expect(login.profile.siteIDs == [PilotSeed.siteID])
            #expect(try await AuditVerifier().verify(db.owner).fault == nil)
        }
    }

    /// Every table's rows, as text: equal snapshots mean nothing changed.
    static func snapshot(_ client: PostgresClient) async throws -> [String: String] {
        var result: [String: String] = [:]
        let tables = try await client.query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'"
        )
        for table in tables {
            let name = try table.decode("tablename", as: String.self)
            let rows = try await client.query(
                "SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') AS rows FROM \(name) t"
            )
            result[name] = try rows[0].decode("rows", as: String.self)
        }
        return result
    }
}
