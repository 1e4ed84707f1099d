import API
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

extension DatabaseSuites {
    @Suite("User administration")
    struct AdministrationTests {
        @Test("site and role changes apply to open sessions at once (the scope is read on every call)")
        func changesApplyAtOnce() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let admin = try await server.login(tenant.adminBadge).metadata
                let (badge, user) = try await makeUser(server, tenant, roles: ["operator"], sites: [0])
                #expect(user.state == .invited)
                #expect(user.roles == ["operator"])
                let session = try await server.login(badge).metadata
                let otherSite = Harvestry_Spatial_V1_ListRoomsRequest.with { $0.parent = tenant.site(1) }
                await expectStatus(.permissionDenied, reason: "SITE_OUT_OF_SCOPE") {
                    _ = try await server.spatial.listRooms(otherSite, metadata: session)
                }

                let withSite = try await server.identity.assignUserSite(
                    .with {
                        $0.user = user.name
                        $0.site = tenant.site(1)
                    },
                    metadata: admin
                )
                #expect(Set(withSite.sites) == [tenant.site(0), tenant.site(1)])
                _ = try await server.spatial.listRooms(otherSite, metadata: session)

                let room = Harvestry_Spatial_V1_CreateRoomRequest.with {
                    $0.parent = tenant.site(1)
                    $0.room = .with {
                        $0.code = "DRY-1"
                        $0.displayName = "Dry"
                        $0.roomType = "dry"
                    }
                }
                await expectStatus(.permissionDenied, reason: "ROLE_REQUIRED") {
                    _ = try await server.spatial.createRoom(room, metadata: session)
                }
                let manager = try await server.identity.assignUserRole(
                    .with {
                        $0.user = user.name
                        $0.role = "manager"
                    },
                    metadata: admin
                )
                #expect(manager.roles == ["manager", "operator"])
                _ = try await server.spatial.createRoom(room, metadata: session)

                _ = try await server.identity.unassignUserRole(
                    .with {
                        $0.user = user.name
                        $0.role = "manager"
                    },
                    metadata: admin
                )
                let withoutSite = try await server.identity.unassignUserSite(
                    .with {
                        $0.user = user.name
                        $0.site = tenant.site(1)
                    },
                    metadata: admin
                )
                #expect(withoutSite.sites == [tenant.site(0)])
                await expectStatus(.permissionDenied, reason: "SITE_OUT_OF_SCOPE") {
                    _ = try await server.spatial.listRooms(otherSite, metadata: session)
                }
                let listed = try await server.identity.listUsers(.with { $0.site = tenant.site(1) }, metadata: admin)
                #expect(!listed.users.contains { $0.name == user.name })
                #expect(listed.users.contains { $0.id == tenant.adminID.uuidString.lowercased() })
            }
        }

        @Test("CreateUser refuses a taken e-mail, and sites outside the admin's scope before writing anything")
        func createUserRefusals() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            let foreign = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let admin = try await server.login(tenant.adminBadge).metadata
                let (_, user) = try await makeUser(server, tenant, roles: ["viewer"], sites: [])
                await expectStatus(.alreadyExists) {
                    _ = try await server.identity.createUser(
                        .with {
                            $0.user.displayName = "Again"
                            $0.user.email = user.email
                        },
                        metadata: admin
                    )
                }
                let email = "outsider-\(UInt32.random(in: 0...UInt32.max))@example.com"
                await expectStatus(.permissionDenied, reason: "SITE_OUT_OF_SCOPE") {
                    _ = try await server.identity.createUser(
                        .with {
                            $0.user.displayName = "Outsider"
                            $0.user.email = email
                            $0.sites = [foreign.site(0)]
                        },
                        metadata: admin
                    )
                }
                let users = try await server.identity.listUsers(.init(), metadata: admin)
                #expect(!users.users.contains { $0.email == email })
            }
        }
    }
}
