import Domain
import Foundation
import Testing

@testable import Store

/// Pure: validation names the field and says what is wrong.
@Suite struct ValidationTests {
    @Test(arguments: [
        (String(repeating: "x", count: 201), "room.name"), ("", "room.name"), ("   ", "room.name"),
        ("tab\there", "room.name"),
    ])
    func roomNamesAreChecked(name: String, field: String) {
        let error = #expect(throws: DomainError.self) {
            try NewRoom(siteID: UUID(), code: "VEG-1", name: name, roomType: .veg).validate()
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.violations.map(\.field) == [field])
    }

    @Test(arguments: ["", "-lead", "has space", String(repeating: "A", count: 41), "ünï", "a;DROP"])
    func codesAreChecked(code: String) {
        let error = #expect(throws: DomainError.self) {
            try NewSpatialChild(siteID: UUID(), parentID: UUID(), code: code, name: "x").validate(resource: "zone")
        }
        #expect(error?.violations.first?.field == "zone.code")
    }

    @Test func unknownEnumValuesNameTheFieldAndTheAllowedValues() throws {
        let error = #expect(throws: DomainError.self) {
            try Validate.oneOf("garden", as: RoomType.self, field: "room.room_type")
        }
        #expect(error?.violations.first?.field == "room.room_type")
        #expect(error?.message.contains("veg") == true)
        #expect(try Validate.oneOf("HL", as: ValveLoadClass.self, field: "x") == .highLoad)
    }

    @Test func valvesNeedALoadClassAndOnlyValvesHaveOne() {
        let site = UUID()
        for equipment in [
            NewEquipment(siteID: site, code: "V1", name: "Valve", kind: .valve),
            NewEquipment(siteID: site, code: "S1", name: "Sensor", kind: .sensor, valveLoadClass: .standard),
        ] {
            let error = #expect(throws: DomainError.self) { try equipment.validate() }
            #expect(error?.violations.first?.field == "equipment.valve_load_class")
        }
    }

    @Test func badgeCodesEmailsAndPageTokens() throws {
        #expect(throws: DomainError.self) { try Badge.validate(code: "ab", field: "badge_id") }
        #expect(throws: DomainError.self) { try Badge.validate(code: "has space", field: "badge_id") }
        #expect(throws: DomainError.self) { try NewUser(email: "Upper@Example.com", displayName: "x").validate() }
        #expect(throws: DomainError.self) { try NewUser(email: "no-at-sign", displayName: "x").validate() }
        #expect(throws: DomainError.self) { try PageRequest(size: -1) }
        #expect(throws: DomainError.self) { try PageCursor.decode("%%%not-base64", parts: 1) }
        #expect(try PageRequest(size: 5000).size == PageRequest.maximumSize)
    }

    /// A CHECK violation the database reports maps to the field of its constraint.
    @Test func constraintNamesMapToFields() {
        let error = PostgresError(
            code: .query,
            message: "ERROR:  new row for relation \"rooms\" violates check constraint \"rooms_room_type_value\"",
            sqlState: "23514"
        ).domainError(resource: "room", table: "rooms")
        #expect(error.violations.first?.field == "room.room_type")
        let unique = PostgresError(code: .query, message: "duplicate", sqlState: "23505")
            .domainError(resource: "room", table: "rooms")
        #expect(unique.code == .alreadyExists)
        #expect(unique.reason == "ROOM_EXISTS")
    }
}

extension PostgresIntegrationTests {
    /// Bad input through the repositories is refused with the field named and writes nothing; the database's own
    /// checks refuse the same values when the Swift validation is bypassed.
    @Test func badInputIsRejectedAndNothingIsWritten() async throws {
        try await withMigratedDatabase { db in
            let tenant = try await TestTenant.make(in: db, sites: 1)
            let site = tenant.siteIDs[0]
            let spatial = db.spatial
            let before = try await Self.snapshot(db.owner)
            let cases: [(String, @Sendable () async throws -> Void)] = [
                (
                    "room.name",
                    {
                        _ = try await spatial.createRoom(
                            NewRoom(
                                siteID: site,
                                code: "R1",
                                name: String(repeating: "n", count: 5000),
                                roomType: .veg
                            ),
                            in: tenant.scope,
                            audit: .none
                        )
                    }
                ),
                (
                    "room.code",
                    {
                        _ = try await spatial.createRoom(
                            NewRoom(siteID: site, code: "R 1'; --", name: "Room", roomType: .veg),
                            in: tenant.scope,
                            audit: .none
                        )
                    }
                ),
                (
                    "equipment.valve_load_class",
                    {
                        _ = try await spatial.createEquipment(
                            NewEquipment(siteID: site, code: "V1", name: "Valve", kind: .valve),
                            in: tenant.scope,
                            audit: .none
                        )
                    }
                ),
                (
                    "request_id",
                    {
                        _ = try await spatial.createRoom(
                            NewRoom(siteID: site, code: "R2", name: "Room", roomType: .veg),
                            in: tenant.scope,
                            audit: AuditContext(requestID: String(repeating: "r", count: 129))
                        )
                    }
                ),
                (
                    "heartbeat.signal_dbm",
                    {
                        _ = try await spatial.recordHeartbeat(
                            Heartbeat(siteID: site, equipmentID: UUID(), status: .online, at: Date(), signalDBm: 900),
                            in: tenant.scope,
                            audit: .none
                        )
                    }
                ),
                (
                    "user.email",
                    {
                        _ = try await db.identity.createUser(
                            NewUser(email: String(repeating: "a", count: 300) + "@x.io", displayName: "A"),
                            in: tenant.scope,
                            audit: .none
                        )
                    }
                ),
                (
                    "device_id",
                    {
                        _ = try await db.identity.badgeLogin(
                            badgeCode: "BADGE-1",
                            deviceID: String(repeating: "d", count: 129),
                            audit: .none
                        )
                    }
                ),
                (
                    "page_token",
                    {
                        _ = try await spatial.listRooms(
                            siteID: site,
                            in: tenant.scope,
                            page: try PageRequest(size: 10, token: "bm90IGEga2V5")
                        ).items
                        _ = try await spatial.listValveZoneMappings(
                            siteID: site,
                            valveID: nil,
                            zoneID: nil,
                            in: tenant.scope,
                            page: try PageRequest(size: 10, token: "bm90IGEga2V5")
                        )
                    }
                ),
            ]
            for (field, call) in cases {
                let error = await #expect(throws: DomainError.self, "\(field)") { try await call() }
                #expect(error?.code == .invalidArgument, "\(field)")
                #expect(error?.violations.first?.field == field)
            }
            #expect(try await Self.snapshot(db.owner) == before)

            // Bypassing Swift: the CHECK constraints refuse bad enum values and oversized text too.
            for (sql, constraint) in [
                (
                    "INSERT INTO rooms (site_id, code, name, room_type) VALUES ($1::uuid, 'R9', 'x', 'garden')",
                    "rooms_room_type_value"
                ),
                (
                    "INSERT INTO rooms (site_id, code, name, room_type) VALUES ($1::uuid, 'R9', repeat('x', 201), 'veg')",
                    "rooms_name_length"
                ),
                (
                    "INSERT INTO equipment (site_id, code, name, kind) VALUES ($1::uuid, 'E9', 'x', 'toaster')",
                    "equipment_kind_value"
                ),
                (
                    "INSERT INTO equipment (site_id, code, name, kind, valve_load_class) "
                        + "VALUES ($1::uuid, 'E9', 'x', 'valve', 'XL')", "equipment_valve_load_class_value"
                ),
            ] {
                let error = await #expect(throws: PostgresError.self) {
                    try await db.owner.query(sql, [SQLValue(site)])
                }
                #expect(error?.sqlState == "23514")
                #expect(error?.message.contains(constraint) == true, "\(sql)")
            }
        }
    }
}
