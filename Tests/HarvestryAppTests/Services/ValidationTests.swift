import API
import Foundation
import GRPCCore
import GRPCProtobuf
import Store
import SwiftProtobuf
import Testing

extension DatabaseSuites {
    @Suite("Bad input is refused before anything is written")
    struct ValidationTests {
        func rooms(_ database: AppDatabase, _ tenant: TestTenant) async throws -> Int {
            try await database.owner.query(
                "SELECT count(*)::int AS n FROM rooms WHERE site_id = ANY($1::uuid[])",
                [SQLValue("{" + tenant.siteIDs.map { $0.uuidString.lowercased() }.joined(separator: ",") + "}")]
            )[0].decode("n", as: Int.self)
        }

        struct Case: Sendable, CustomTestStringConvertible {
            var name: String
            var request: Harvestry_Spatial_V1_CreateRoomRequest
            var fields: Set<String>
            var testDescription: String { self.name }
        }

        static func room(
            _ edit: (inout Harvestry_Spatial_V1_CreateRoomRequest) -> Void
        ) -> Harvestry_Spatial_V1_CreateRoomRequest {
            var request = Harvestry_Spatial_V1_CreateRoomRequest.with {
                $0.parent = "sites/00000000-0000-0000-0000-000000000000"
                $0.room.code = "VEG-1"
                $0.room.displayName = "Veg Room 1"
                $0.room.roomType = "Veg"
            }
            edit(&request)
            return request
        }

        static let cases: [Case] = [
            Case(name: "malformed parent", request: room { $0.parent = "site/abc" }, fields: ["parent"]),
            Case(name: "parent id not a UUID", request: room { $0.parent = "sites/not-a-uuid" }, fields: ["parent"]),
            Case(name: "missing code", request: room { $0.room.code = "" }, fields: ["room.code"]),
            Case(name: "code with spaces", request: room { $0.room.code = "VEG 1" }, fields: ["room.code"]),
            Case(
                name: "oversized display name",
                request: room { $0.room.displayName = String(repeating: "x", count: 201) },
                fields: ["room.display_name"]
            ),
            Case(name: "unknown room type", request: room { $0.room.roomType = "kitchen" }, fields: ["room.room_type"]),
            Case(
                name: "several at once",
                request: room {
                    $0.room.code = ""
                    $0.room.roomType = ""
                    $0.requestID = String(repeating: "r", count: 129)
                },
                fields: ["room.code", "room.room_type", "request_id"]
            ),
        ]

        @Test("CreateRoom: INVALID_ARGUMENT names every bad field; no room is written", arguments: cases)
        func createRoom(_ testCase: Case) async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let admin = try await server.login(tenant.adminBadge)
                var request = testCase.request
                if request.parent == "sites/00000000-0000-0000-0000-000000000000" { request.parent = tenant.site(0) }
                let status = await expectStatus(.invalidArgument) {
                    _ = try await server.spatial.createRoom(request, metadata: admin.metadata)
                }
                #expect(Set(status?.fieldViolations.map(\.field) ?? []) == testCase.fields)
                #expect(status?.errorInfo?.domain == "harvestry.io")
                #expect(status?.details.filter { $0.errorInfo != nil }.count == 1)
                #expect(try await self.rooms(database, tenant) == 0)
            }
        }

        @Test("other RPCs: unknown enum values, bad dates, missing names, bad badge codes")
        func otherRPCs() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let admin = try await server.login(tenant.adminBadge)
                let metadata = admin.metadata
                var status = await expectStatus(.invalidArgument) {
                    _ = try await server.identity.badgeLogin(.with { $0.badgeID = "ab" })
                }
                #expect(Set(status?.fieldViolations.map(\.field) ?? []) == ["badge_id", "device_id"])
                status = await expectStatus(.invalidArgument, reason: "UNKNOWN_ENUM_VALUE") {
                    _ = try await server.spatial.createEquipment(
                        .with {
                            $0.parent = tenant.site(0)
                            $0.equipment.code = "X-1"
                            $0.equipment.displayName = "X"
                            $0.equipment.kind = .UNRECOGNIZED(42)
                        },
                        metadata: metadata
                    )
                }
                #expect(status?.fieldViolations.map(\.field) == ["equipment.kind"])
                status = await expectStatus(.invalidArgument) {
                    _ = try await server.spatial.createEquipment(
                        .with {
                            $0.parent = tenant.site(0)
                            $0.equipment.code = "T-1"
                            $0.equipment.type = "Temperature Sensor"
                            $0.equipment.calibrationDueDate = "2025-02-30"
                        },
                        metadata: metadata
                    )
                }
                #expect(status?.fieldViolations.map(\.field) == ["equipment.calibration_due_date"])
                status = await expectStatus(.invalidArgument) {
                    _ = try await server.spatial.getRoom(.init(), metadata: metadata)
                }
                #expect(status?.fieldViolations.map(\.field) == ["name"])
                status = await expectStatus(.invalidArgument) {
                    _ = try await server.identity.assignUserRole(
                        .with {
                            $0.user = "users/\(tenant.adminID.uuidString)"
                            $0.role = "overlord"
                        },
                        metadata: metadata
                    )
                }
                #expect(status?.fieldViolations.map(\.field) == ["role"])
                status = await expectStatus(.invalidArgument, reason: "INVALID_FAULT_CODE") {
                    _ = try await server.spatial.recordHeartbeat(
                        .with {
                            $0.equipment = "\(tenant.site(0))/equipment/\(UUID().uuidString.lowercased())"
                            $0.faultCode = "low flow"
                            $0.signalDbm = -200
                        },
                        metadata: metadata
                    )
                }
                #expect(status?.fieldViolations.map(\.field) == ["fault_code", "signal_dbm"])
                let equipment = try await database.owner.query(
                    "SELECT count(*)::int AS n FROM equipment WHERE site_id = $1::uuid",
                    [SQLValue(tenant.siteIDs[0])]
                )[0].decode("n", as: Int.self)
                #expect(equipment == 0)
            }
        }
    }
}
