import API
import Domain
import Foundation
import GRPCCore
import HarvestryApp
import MetricsTestKit
import Simulator
import Store
import SwiftProtobuf
import Testing

/// The platform around the engine end to end: two full instances on one database and broker, and the seed's
/// `POST /irrigation/runs` through the JSON gateway.
@Suite(.serialized, .appDatabase) struct IrrigationPlatformEndToEndTests {
    typealias F = EndToEndFixture

    @Test(
        "two instances (server, engine, dispatcher, ingest each): one StartRun sent to both starts one run; with a second room's run beside it every command is published and executed once"
    )
    func twoInstancesStartOnceAndDispatchOnce() async throws {
        let database = try AppDatabase.current()
        let records = try await F.with(instances: 2) { f in
            try await TestServer.with(database, runControl: f.engines[0]) { a in
                try await TestServer.with(database, runControl: f.engines[1]) { b in
                    let session = try await a.login("DGC-1010")
                    // Runs of this test only (an earlier test of the suite may have run these programs moments ago).
                    let since = Date()
                    // The same VEG-1 request to both instances at once (a client retrying on another instance), and
                    // FLW-1's line check on the second, so both instances have work.
                    let veg = Self.startRequest(F.veg, requestID: "e2e-twice-\(UUID().uuidString.lowercased())")
                    let flower = Self.startRequest(F.flower, requestID: "e2e-flw-\(UUID().uuidString.lowercased())")
                    async let first = Self.startRun(veg, on: a, session)
                    async let second = Self.startRun(veg, on: b, session)
                    async let other = Self.startRun(flower, on: b, session)
                    let ids = try await [first, second, other]
                    #expect(ids[0] == ids[1], "the two instances answered runs \(ids)")
                    var commandCount = 0
                    for (setup, id) in [(F.veg, ids[0]), (F.flower, ids[2])] {
                        let runID = try #require(UUID(uuidString: id))
                        let done = try await f.waitForRun(runID, timeout: .seconds(40)) { $0.status.isFinished }
                        #expect(done.status == .completed, "\(setup.room)'s run is \(done.status)")
                        let runs = try await database.owner.query(
                            """
                            SELECT status || ' ' || requested_at::text AS run FROM irrigation_runs
                            WHERE program_id = $1::uuid AND requested_at >= $2::timestamptz
                            """,
                            [SQLValue(setup.programID), SQLValue(since)]
                        )
                        let started = try runs.map { try $0.decode("run", as: String.self) }
                        #expect(started.count == 1, "runs of \(setup.room) started since \(since): \(started)")
                        let commands = try await f.commands(run: runID)
                        let expected = setup.valves.flatMap {
                            ["open \($0.code) EXECUTED", "close \($0.code) EXECUTED"]
                        }
                        #expect(commands == expected, "commands: \(commands)")
                        commandCount += commands.count
                        try await Self.expectDispatchedOnce(runID, commands: commands.count, database)
                    }
                    // Published once in all: the two dispatchers' counts add up to the commands.
                    let published = f.dispatchMetrics.map {
                        (try? $0.expectCounter("harvestry_irrigation_commands_published_total").totalValue) ?? 0
                    }
                    #expect(published.reduce(0, +) == Int64(commandCount), "published per instance: \(published)")
                }
            }
        }
        // Each command reached a controller once (the devices' own record of what arrived).
        let arrivals = records.filter { $0.kind == .command }.compactMap(\.commandID)
        #expect(arrivals.count == 10, "commands arrived: \(arrivals)")
        #expect(Set(arrivals).count == arrivals.count, "a command arrived twice: \(arrivals)")
        #expect(F.switches(records, F.veg) == ["VLV-001 on", "VLV-001 off", "VLV-002 on", "VLV-002 off"])
        #expect(
            F.switches(records, F.flower) == [
                "VLV-003 on", "VLV-003 off", "VLV-004 on", "VLV-004 off", "VLV-005 on", "VLV-005 off",
            ]
        )
    }

    static func startRequest(
        _ setup: PilotSeed.RoomIrrigation,
        requestID: String
    )
        -> Harvestry_Irrigation_V1_StartRunRequest
    {
        let site = "sites/\(PilotSeed.siteID.uuidString.lowercased())"
        return .with {
            $0.parent = site
            $0.program = "\(site)/irrigationPrograms/\(setup.programID.uuidString.lowercased())"
            $0.requestID = requestID
        }
    }

    /// Each of the run's commands took one attempt and was applied to the run once.
    static func expectDispatchedOnce(_ runID: UUID, commands: Int, _ database: AppDatabase) async throws {
        let attempts = try await database.owner.query(
            "SELECT attempts FROM device_commands WHERE run_id = $1::uuid",
            [SQLValue(runID)]
        )
        #expect(try attempts.map { try $0.decode("attempts", as: Int.self) } == Array(repeating: 1, count: commands))
        let applied = try await database.owner.query(
            """
            SELECT count(*) AS n FROM irrigation_applied_settlements s
            JOIN device_commands c ON c.id = s.command_id WHERE c.run_id = $1::uuid
            """,
            [SQLValue(runID)]
        )
        #expect(try applied[0].decode("n", as: Int.self) == commands)
    }

    /// StartRun on `server`; a request the other instance is still running is asked again (bounded).
    static func startRun(
        _ request: Harvestry_Irrigation_V1_StartRunRequest,
        on server: TestServer,
        _ session: TestSession
    ) async throws -> String {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await server.irrigation.startRun(request, metadata: session.metadata).runID
            } catch let error as RPCError where attempt < 50 && error.code == .aborted {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    @Test("POST /irrigation/runs through the JSON gateway on the real engine: the seed's answer, then Completed")
    func seedRouteStartsARunThatCompletes() async throws {
        let setup = F.veg
        let database = try AppDatabase.current()
        let records = try await F.with { f in
            try await TestServer.with(database, gateway: true, runControl: f.engine) { server in
                let session = try await server.login("DGC-1010")
                let http = GatewayClient(port: try #require(server.httpPort))
                defer { http.close() }
                let started = try await http.send(
                    "POST",
                    "/irrigation/runs",
                    token: session.token,
                    json: #"{"programId":"\#(setup.programID.uuidString.lowercased())","manualApproval":false}"#
                )
                #expect(started.status == 200, "\(started.text)")
                let body = try #require(started.json, "\(started.text)")
                let runID = try #require((body["runId"] as? String).flatMap(UUID.init(uuidString:)), "\(started.text)")
                #expect(["Queued", "Running"].contains(body["status"] as? String), "\(started.text)")
                let done = try await f.waitForRun(runID, timeout: .seconds(40)) { $0.status.isFinished }
                #expect(done.status == .completed, "the run is \(done.status)")
                #expect(done.requestedBy == PilotSeed.people[9].id)

                let site = PilotSeed.siteID.uuidString.lowercased()
                let read = try await http.send(
                    "GET",
                    "/v1/sites/\(site)/irrigationRuns/\(runID.uuidString.lowercased())",
                    token: session.token
                )
                #expect(read.status == 200, "\(read.text)")
                #expect(read.json?["status"] as? String == "COMPLETED", "\(read.text)")
            }
        }
        #expect(F.switches(records, setup) == ["VLV-001 on", "VLV-001 off", "VLV-002 on", "VLV-002 off"])
    }
}
