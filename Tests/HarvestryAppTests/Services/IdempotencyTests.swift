import API
import Foundation
import GRPCCore
import HarvestryApp
import Store
import SwiftProtobuf
import Testing

extension DatabaseSuites {
    /// AIP-155 over the real server: a repeated request id returns the first response and writes nothing.
    @Suite("Request ids (AIP-155)")
    struct IdempotencyTests {
        @Test("a repeated request_id returns the first response without writing again")
        func replay() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let admin = try await server.login(tenant.adminBadge)
                let create = Harvestry_Spatial_V1_CreateRoomRequest.with {
                    $0.parent = tenant.site(0)
                    $0.room = .with {
                        $0.code = "IDEM-1"; $0.displayName = "Idempotent"; $0.roomType = "veg"
                    }
                    $0.requestID = "create-room-1"
                }
                let first = try await server.spatial.createRoom(create, metadata: admin.metadata)
                let writes = try await Self.writes(database, tenant, requestID: "create-room-1")
                #expect(writes == Writes(rooms: 1, auditRows: 1))
                for _ in 0..<3 {
                    let again = try await server.spatial.createRoom(create, metadata: admin.metadata)
                    #expect(again == first)
                }
                #expect(try await Self.writes(database, tenant, requestID: "create-room-1") == writes)

                // The same id for another request, or another method, is refused; nothing is written.
                var changed = create
                changed.room.code = "IDEM-2"
                await expectStatus(.invalidArgument, reason: "REQUEST_ID_REUSED") {
                    _ = try await server.spatial.createRoom(changed, metadata: admin.metadata)
                }
                await expectStatus(.invalidArgument, reason: "REQUEST_ID_REUSED") {
                    _ = try await server.spatial.deleteRoom(
                        .with {
                            $0.name = first.name; $0.requestID = "create-room-1"
                        },
                        metadata: admin.metadata
                    )
                }
                #expect(try await Self.writes(database, tenant, requestID: "create-room-1") == writes)
                _ = try await server.spatial.getRoom(.with { $0.name = first.name }, metadata: admin.metadata)

                // Ids belong to their user: another user's identical request runs (and finds the code taken).
                let (badge, _) = try await makeUser(server, tenant, roles: ["manager"], sites: [0])
                let manager = try await server.login(badge)
                await expectStatus(.alreadyExists) {
                    _ = try await server.spatial.createRoom(create, metadata: manager.metadata)
                }
                // A failed call frees its id: the retry runs again (and fails the same way), not "in progress".
                await expectStatus(.alreadyExists) {
                    _ = try await server.spatial.createRoom(create, metadata: manager.metadata)
                }
            }
        }

        @Test("every request message with a request_id field is an IdempotentRequest")
        func everyMutationIsCovered() throws {
            let set = try DescriptorSet.fileDescriptorSet()
            var checked = 0
            for file in set.file
            where file.package.hasPrefix("harvestry.") && !file.package.hasPrefix("harvestry.testing.") {
                for message in file.messageType where message.field.contains(where: { $0.name == "request_id" }) {
                    let name = "\(file.package).\(message.name)"
                    let type = try #require(MessageTypes.byName[name], "\(name) has no generated type")
                    #expect(type is any IdempotentRequest.Type, "\(name) has a request_id but is not IdempotentRequest")
                    checked += 1
                }
            }
            #expect(checked >= 28)
        }

        struct Writes: Equatable {
            var rooms: Int
            var auditRows: Int
        }

        /// The tenant's rooms and the audit rows carrying `requestID`, counted as the owner.
        static func writes(_ database: AppDatabase, _ tenant: TestTenant, requestID: String) async throws -> Writes {
            let rows = try await database.owner.query(
                """
                SELECT (SELECT count(*) FROM rooms WHERE site_id = $1::uuid)::int AS rooms,
                    (SELECT count(*) FROM audit_logs WHERE organization_id = $2::uuid AND request_id = $3)::int AS audit
                """,
                [SQLValue(tenant.siteIDs[0]), SQLValue(tenant.organizationID), SQLValue(requestID)]
            )
            return Writes(rooms: try rows[0].decode("rooms"), auditRows: try rows[0].decode("audit"))
        }
    }

    /// `device_sessions.last_activity_at` follows authenticated calls, at most one write per minute per session.
    @Suite("Session activity")
    struct SessionActivityTests {
        @Test("an authenticated call records the session's activity, a second one within the minute does not")
        func lastActivity() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let session = try await server.login(tenant.adminBadge)
                let id = session.response.sessionID
                let probe = Harvestry_Spatial_V1_ListRoomsRequest.with { $0.parent = tenant.site(0) }
                try await Self.age(database, session: id)
                _ = try await server.spatial.listRooms(probe, metadata: session.metadata)
                #expect(try await Self.idleSeconds(database, session: id) < 60)

                try await Self.age(database, session: id)
                for _ in 0..<5 { _ = try await server.spatial.listRooms(probe, metadata: session.metadata) }
                #expect(try await Self.idleSeconds(database, session: id) > 3000)

                // ListSessions reports it as lastActivity.
                let listed = try await server.identity.listSessions(.init(), metadata: session.metadata)
                let mine = try #require(listed.sessions.first { $0.id == id })
                #expect(Date().timeIntervalSince(mine.lastActivity.date) > 3000)
            }
        }

        /// Moves the session's last activity an hour back (as the owner).
        static func age(_ database: AppDatabase, session: String) async throws {
            try await database.owner.query(
                "UPDATE device_sessions SET last_activity_at = now() - interval '1 hour' WHERE id = $1::uuid",
                [SQLValue(session)]
            )
        }

        static func idleSeconds(_ database: AppDatabase, session: String) async throws -> Double {
            let rows = try await database.owner.query(
                """
                SELECT extract(epoch FROM now() - last_activity_at)::float8 AS idle
                FROM device_sessions WHERE id = $1::uuid
                """,
                [SQLValue(session)]
            )
            return try rows[0].decode("idle")
        }
    }
}
