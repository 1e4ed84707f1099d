import API
import Domain
import Foundation
import GRPCCore
import GRPCProtobuf
import HarvestryApp
import Store
import SwiftProtobuf
import Testing

/// A batch inserted as the owner (batches have no create API yet) in `room` (`sites/{site}/rooms/{room}`).
func insertBatch(_ database: AppDatabase, site: String, room: String, phase: String) async throws -> String {
    let siteID = try #require(UUID(uuidString: String(site.split(separator: "/").last ?? "")))
    let roomID = try #require(UUID(uuidString: String(room.split(separator: "/").last ?? "")))
    let tag = UInt32.random(in: 0...999_999)
    let strain = try await database.owner.query(
        "INSERT INTO strains (site_id, name, strain_type) VALUES ($1::uuid, $2, 'hybrid') RETURNING id",
        [SQLValue(siteID), SQLValue("Blue Dream \(tag)")]
    )[0].decode("id", as: UUID.self)
    let batch = try await database.owner.query(
        """
        INSERT INTO batches (site_id, strain_id, room_id, code, phase, plant_count, started_at)
        VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, 48, now()) RETURNING id
        """,
        [SQLValue(siteID), SQLValue(strain), SQLValue(roomID), SQLValue("BD-\(tag)"), SQLValue(phase)]
    )[0].decode("id", as: UUID.self)
    return "\(site)/batches/\(batch.uuidString.lowercased())"
}

extension DatabaseSuites {
    @Suite("BatchService over gRPC and the gateway")
    struct BatchServiceTests {
        @Test("read, validate, authorize and change a batch's phase over the C-core transport")
        func changePhaseOverGRPC() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database) { server in
                let admin = try await server.login(tenant.adminBadge).metadata
                let site = tenant.site(0)
                let room = try await server.spatial.createRoom(
                    .with {
                        $0.parent = site
                        $0.room = .with {
                            $0.code = "FLW-B"
                            $0.displayName = "Flower B"
                            $0.roomType = "flower"
                        }
                    },
                    metadata: admin
                )
                let name = try await insertBatch(database, site: site, room: room.name, phase: "veg")
                let batch = try await server.batches.getBatch(.with { $0.name = name }, metadata: admin)
                #expect(batch.phase == .veg && batch.room == room.name && batch.plantCount == 48)
                #expect(batch.strainDisplayName.hasPrefix("Blue Dream"))
                let listed = try await server.batches.listBatches(.with { $0.parent = site }, metadata: admin)
                #expect(listed.batches.map(\.name) == [name])
                let flowering = try await server.batches.listBatches(
                    .with {
                        $0.parent = site
                        $0.phase = .flower
                    },
                    metadata: admin
                )
                #expect(flowering.batches.isEmpty)

                // Validation names every field before anything else.
                let invalid = await expectStatus(.invalidArgument) {
                    _ = try await server.batches.changeBatchPhase(
                        .with {
                            $0.name = "sites/nope/batches/1"
                            $0.note = String(repeating: "x", count: 1_001)
                        },
                        metadata: admin
                    )
                }
                #expect(invalid?.fieldViolations.map(\.field) == ["name", "phase", "note"])

                // Operators read but do not change phases.
                let operatorSession = try await server.login(
                    try await makeUser(server, tenant, roles: ["operator"], sites: [0]).badge
                ).metadata
                _ = try await server.batches.getBatch(.with { $0.name = name }, metadata: operatorSession)
                let denied = await expectStatus(.permissionDenied, reason: "ROLE_REQUIRED") {
                    _ = try await server.batches.changeBatchPhase(
                        .with {
                            $0.name = name
                            $0.phase = .flower
                        },
                        metadata: operatorSession
                    )
                }
                #expect(denied?.errorInfo?.metadata["roles"] == "admin,manager")

                let manager = try await makeUser(server, tenant, roles: ["manager"], sites: [0])
                let managerSession = try await server.login(manager.badge).metadata
                let changed = try await server.batches.changeBatchPhase(
                    .with {
                        $0.name = name
                        $0.phase = .flower
                        $0.expectedPhase = .veg
                        $0.note = "flip to 12/12"
                    },
                    metadata: managerSession
                )
                #expect(changed.batch.phase == .flower)
                #expect(changed.phaseChange.fromPhase == .veg && changed.phaseChange.toPhase == .flower)
                #expect(changed.phaseChange.room == room.name && changed.phaseChange.changedBy == manager.user.name)
                #expect(changed.phaseChange.note == "flip to 12/12" && changed.phaseChange.hasChangeTime)
                #expect(changed.phaseChange.name == "\(name)/phaseChanges/\(changed.phaseChange.id)")

                await expectStatus(.failedPrecondition, reason: "PHASE_TRANSITION_NOT_ALLOWED") {
                    _ = try await server.batches.changeBatchPhase(
                        .with {
                            $0.name = name
                            $0.phase = .veg
                        },
                        metadata: managerSession
                    )
                }
                await expectStatus(.aborted, reason: "PHASE_CHANGED_CONCURRENTLY") {
                    _ = try await server.batches.changeBatchPhase(
                        .with {
                            $0.name = name
                            $0.phase = .harvest
                            $0.expectedPhase = .veg
                        },
                        metadata: managerSession
                    )
                }
                await expectStatus(.permissionDenied, reason: "SITE_OUT_OF_SCOPE") {
                    _ = try await server.batches.changeBatchPhase(
                        .with {
                            $0.name = name.replacingOccurrences(of: site, with: tenant.site(1))
                            $0.phase = .harvest
                        },
                        metadata: managerSession
                    )
                }
                // A repeat of the same request id answers the first response and changes nothing more.
                var harvests: [Harvestry_Batches_V1_ChangeBatchPhaseResponse] = []
                for _ in 0..<2 {
                    harvests.append(
                        try await server.batches.changeBatchPhase(
                            .with {
                                $0.name = name
                                $0.phase = .harvest
                                $0.requestID = "harvest-1"
                            },
                            metadata: managerSession
                        )
                    )
                }
                #expect(harvests[0].phaseChange.id == harvests[1].phaseChange.id)
                let history = try await server.batches.listBatchPhaseChanges(
                    .with { $0.parent = name },
                    metadata: operatorSession
                )
                #expect(history.phaseChanges.map(\.toPhase) == [.harvest, .flower])
            }
        }

        @Test("through the gateway: list, change phase, errors as JSON, and the phase schedule fires once")
        func changePhaseThroughTheGateway() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database)
            try await TestServer.with(database, gateway: true) { server in
                let session = try await server.login(tenant.adminBadge)
                let site = tenant.site(0)
                let irrigation = try await IrrigationSite.make(server, site: site, metadata: session.metadata)
                let schedule = try await server.irrigation.createSchedule(
                    .with {
                        $0.parent = site
                        $0.schedule = .with {
                            $0.program = irrigation.program.name
                            $0.phase = "flower"
                            $0.timeZone = "America/Denver"
                        }
                    },
                    metadata: session.metadata
                )
                let name = try await insertBatch(database, site: site, room: irrigation.zones[0].room, phase: "veg")
                let http = GatewayClient(port: try #require(server.httpPort))

                let list = try await http.send("GET", "/v1/\(site)/batches", token: session.token)
                #expect(list.status == 200)
                let batches = list.json?["batches"] as? [[String: Any]] ?? []
                #expect(batches.map { $0["name"] as? String } == [name])
                #expect(batches.first?["phase"] as? String == "VEG")

                let bad = try await http.send(
                    "POST",
                    "/v1/\(name):changePhase",
                    token: session.token,
                    json: #"{"phase": "BATCH_PHASE_UNSPECIFIED"}"#
                )
                #expect(bad.status == 400 && bad.errorReason == "FIELD_REQUIRED")
                let unauthenticated = try await http.send(
                    "POST",
                    "/v1/\(name):changePhase",
                    json: #"{"phase": "FLOWER"}"#
                )
                #expect(unauthenticated.status == 401)

                let changed = try await http.send(
                    "POST",
                    "/v1/\(name):changePhase",
                    token: session.token,
                    json: #"{"phase": "FLOWER", "expectedPhase": "VEG", "note": "week 5"}"#
                )
                #expect(changed.status == 200, "\(changed.text)")
                #expect((changed.json?["batch"] as? [String: Any])?["phase"] as? String == "FLOWER")
                let change = changed.json?["phaseChange"] as? [String: Any] ?? [:]
                #expect(change["fromPhase"] as? String == "VEG" && change["toPhase"] as? String == "FLOWER")
                let changeID = try #require(change["id"] as? String)

                let again = try await http.send(
                    "POST",
                    "/v1/\(name):changePhase",
                    token: session.token,
                    json: #"{"phase": "FLOWER"}"#
                )
                #expect(again.status == 400 && again.errorReason == "PHASE_UNCHANGED", "\(again.text)")
                let history = try await http.send("GET", "/v1/\(name)/phaseChanges", token: session.token)
                #expect((history.json?["phaseChanges"] as? [[String: Any]])?.count == 1)

                // The scheduler (two instances) sees the change and starts the flower program once.
                let client = PostgresClient(
                    configuration: .init(conninfo: database.serviceConninfo, maximumConnections: 2),
                    logger: TestDirectory.logger
                )
                defer { client.close() }
                let control = StartRecordingRunControl(programs: [])
                let schedulers = try ["a", "b"].map { instance in
                    try IrrigationScheduler(
                        repository: PostgresScheduleFireRepository(client: client),
                        phases: PostgresPhaseFireRepository(client: client),
                        runControl: control,
                        configuration: .init(instance: instance),
                        logger: TestDirectory.logger
                    )
                }
                for scheduler in schedulers + schedulers { _ = await scheduler.tick(now: Date()) }
                let scheduleID = try #require(schedule.name.split(separator: "/").last).lowercased()
                let mine = control.starts.filter { $0.audit.requestID?.contains(scheduleID) == true }
                #expect(mine.count == 1)
                #expect(mine.first?.audit.requestID == "irrigation-scheduler:\(scheduleID):phase:\(changeID)")
            }
        }
    }
}
