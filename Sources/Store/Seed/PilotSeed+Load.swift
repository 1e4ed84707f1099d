import Domain
import Foundation

extension PilotSeed {
    /// What a load did: rows inserted now (0 when the seed was already there).
    public struct LoadReport: Sendable, Hashable {
        public var inserted: Int
    }

    /// Loads the pilot site in one transaction, as the owner (it creates the tenant, which the service role may
    /// not). Idempotent: every row has a fixed id and is inserted with ON CONFLICT DO NOTHING, and a row that was
    /// inserted now, and only then, gets its audit row (actor NULL, request id `seed:pilot`), so a second load
    /// changes nothing. Rows someone changed since are left as they are.
    public static func load(_ client: PostgresClient) async throws -> LoadReport {
        try await client.transaction { connection in
            // Seed loads of one database serialize (the audit chain heads would anyway).
            try await connection.query("SELECT pg_advisory_xact_lock($1)", [SQLValue(0x6876_7365_6564)])
            var seeder = Seeder(connection: connection)
            try await seeder.insert(
                "organizations",
                ["id": SQLValue(organizationID), "name": SQLValue(organizationName)],
                resource: "organization",
                site: nil
            )
            try await seeder.insert(
                "sites",
                [
                    "id": SQLValue(siteID), "organization_id": SQLValue(organizationID), "name": SQLValue(siteName),
                    "time_zone": "America/Denver",
                ],
                resource: "site",
                site: nil
            )
            try await self.loadPeople(&seeder)
            try await self.loadSpaces(&seeder)
            try await self.loadEquipment(&seeder)
            try await self.loadInverterStreams(&seeder)
            try await self.loadCultivation(&seeder)
            try await self.loadIrrigation(&seeder)
            return LoadReport(inserted: seeder.inserted)
        }
    }

    private static func loadPeople(_ seeder: inout Seeder) async throws {
        for person in self.people {
            try await seeder.insert(
                "users",
                [
                    "id": SQLValue(person.id), "organization_id": SQLValue(organizationID),
                    "email": SQLValue(person.email), "display_name": SQLValue(person.name), "status": "active",
                ],
                resource: "user",
                site: nil
            )
            try await seeder.insert(
                "user_sites",
                [
                    "organization_id": SQLValue(organizationID), "user_id": SQLValue(person.id),
                    "site_id": SQLValue(siteID),
                ],
                resource: "user_site",
                site: nil,
                key: "user_id"
            )
            try await seeder.insert(
                "user_roles",
                [
                    "organization_id": SQLValue(organizationID), "user_id": SQLValue(person.id),
                    "role": SQLValue(person.role.rawValue),
                ],
                resource: "user_role",
                site: nil,
                key: "user_id"
            )
            try await seeder.insert(
                "badges",
                [
                    "id": SQLValue(id("badge/\(person.badge)")), "organization_id": SQLValue(organizationID),
                    "user_id": SQLValue(person.id), "code_sha256": SQLValue(SHA256.hash(Array(person.badge.utf8))),
                    "code_hint": SQLValue(String(person.badge.suffix(4))),
                ],
                resource: "badge",
                site: nil
            )
        }
    }

    private static func loadSpaces(_ seeder: inout Seeder) async throws {
        for room in self.rooms {
            try await seeder.insert(
                "rooms",
                [
                    "id": SQLValue(room.id), "site_id": SQLValue(siteID), "code": SQLValue(room.code),
                    "name": SQLValue(room.name), "room_type": SQLValue(room.type.rawValue),
                ],
                resource: "room",
                site: siteID
            )
            for (index, zone) in room.zoneCodes.enumerated() {
                try await seeder.insert(
                    "zones",
                    [
                        "id": SQLValue(id("zone/\(zone)")), "site_id": SQLValue(siteID), "room_id": SQLValue(room.id),
                        "code": SQLValue(zone), "name": SQLValue("\(room.name) zone \(index + 1)"),
                    ],
                    resource: "zone",
                    site: siteID
                )
            }
        }
        for location in self.inventoryLocations {
            try await seeder.insert(
                "inventory_locations",
                [
                    "id": SQLValue(id("location/\(location.code)")), "site_id": SQLValue(siteID),
                    "code": SQLValue(location.code), "name": SQLValue(location.name),
                    "location_type": SQLValue(location.type.rawValue),
                    "room_id": SQLValue(location.room.map { id("room/\($0)") }),
                ],
                resource: "inventory_location",
                site: siteID
            )
        }
    }

    private static func loadEquipment(_ seeder: inout Seeder) async throws {
        let calibrationDue = Date(timeIntervalSince1970: 1_798_675_200)  // 2026-12-31
        for device in self.devices {
            let inZone = device.placement.contains("-Z")
            try await seeder.insert(
                "equipment",
                [
                    "id": SQLValue(device.id), "site_id": SQLValue(siteID), "code": SQLValue(device.code),
                    "name": SQLValue(device.name), "kind": SQLValue(device.kind.rawValue),
                    "valve_load_class": SQLValue(device.loadClass?.rawValue),
                    "room_id": SQLValue(device.roomCode.isEmpty ? nil : id("room/\(device.roomCode)")),
                    "model": SQLValue(device.model),
                    "zone_id": SQLValue(inZone ? id("zone/\(device.placement)") : nil),
                    "calibration_due_at": SQLValue(device.kind == .sensor ? calibrationDue : nil),
                ],
                resource: "equipment",
                site: siteID
            )
            if device.kind == .valve {
                try await seeder.insert(
                    "valve_zone_mappings",
                    [
                        "valve_id": SQLValue(device.id), "zone_id": SQLValue(id("zone/\(device.placement)")),
                        "site_id": SQLValue(siteID),
                    ],
                    resource: "valve_zone_mapping",
                    site: siteID,
                    key: "valve_id"
                )
            }
        }
    }

    private static func loadCultivation(_ seeder: inout Seeder) async throws {
        for strain in self.strains {
            try await seeder.insert(
                "strains",
                [
                    "id": SQLValue(id("strain/\(strain.name)")), "site_id": SQLValue(siteID),
                    "name": SQLValue(strain.name), "strain_type": SQLValue(strain.type),
                ],
                resource: "strain",
                site: siteID
            )
        }
        let started = Date(timeIntervalSince1970: 1_763_942_400)  // 2025-11-24
        for batch in self.batches {
            try await seeder.insert(
                "batches",
                [
                    "id": SQLValue(id("batch/\(batch.code)")), "site_id": SQLValue(siteID),
                    "strain_id": SQLValue(id("strain/\(batch.strain)")), "room_id": SQLValue(id("room/\(batch.room)")),
                    "code": SQLValue(batch.code), "phase": SQLValue(batch.phase), "plant_count": SQLValue(batch.plants),
                    "started_at": SQLValue(started),
                ],
                resource: "batch",
                site: siteID
            )
        }
    }
}

/// Inserts seed rows that are missing and audits each one it inserted.
struct Seeder {
    let connection: PostgresConnection
    var inserted = 0

    init(connection: PostgresConnection) { self.connection = connection }

    /// `values` by column (the names are constants of this file, never input); `key` is the column that identifies
    /// the row in its audit entry.
    mutating func insert(
        _ table: String,
        _ values: [String: SQLValue],
        resource: String,
        site: UUID?,
        key: String = "id"
    ) async throws {
        let columns = values.keys.sorted()
        let placeholders = columns.indices.map { "$\($0 + 1)" }.joined(separator: ", ")
        let rows = try await self.connection.query(
            """
            INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(placeholders))
            ON CONFLICT DO NOTHING RETURNING \(key)::text AS key
            """,
            columns.map { values[$0]! }
        )
        guard let row = rows.first else { return }
        self.inserted += 1
        try await self.connection.appendAudit(
            AuditEvent(
                organizationID: PilotSeed.organizationID,
                siteID: site,
                actorUserID: nil,
                action: "seed.create",
                resourceType: resource,
                resourceID: try row.decode("key"),
                requestID: "seed:pilot",
                details: AuditEvent.details(["seed": "pilot", "table": table]),
                occurredAtMicros: AuditEvent.nowMicros()
            )
        )
    }
}
