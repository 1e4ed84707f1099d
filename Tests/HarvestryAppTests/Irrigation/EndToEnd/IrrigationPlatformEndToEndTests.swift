import API
import Domain
import Foundation
import GRPCCore
import HarvestryApp
import Simulator
import Store
import SwiftProtobuf
import Testing

/// The platform around the engine end to end: two full instances on one database and broker, and the seed's
/// `POST /irrigation/runs` through the JSON gateway.
@Suite(.serialized, .appDatabase) struct IrrigationPlatformEndToEndTests {
    typealias F = EndToEndFixture

    @Test("two instances (server, engine, dispatcher, ingest each): one StartRun sent to both starts one run; each command is published and executed once")
    func twoInstancesStartOnceAndDispatchOnce() async throws {
        let setup = F.veg
        let database = try AppDatabase.current()
        let since = Date().addingTimeInterval(-1)
        let records = try await F.with(instances: 2) { f in
            try await TestServer.with(database, runControl: f.engines[0]) { a in
                try await TestServer.with(database, runControl: f.engines[1]) { b in
                    let session = try await a.login("DGC-1010")
                    let site = "sites/\(PilotSeed.siteID.uuidString.lowercased())"
                    let request = Harvestry_Irrigation_V1_StartRunRequest.with {
                        $0.parent = site
                        $0.program = "\(site)/irrigationPrograms/\(setup.programID.uuidString.lowercased())"
                        $0.requestID = "e2e-twice-\(UUID().uuidString.lowercased())"
                    }
                    // The same request to both instances at once (a client retrying on another instance).
                    async let first = Self.startRun(request, on: a, session)
                    async let second = Self.startRun(request, on: b, session)
                    let ids = try await [first, second]
                    #expect(ids[0] == ids[1], "the two instances answered runs \(ids)")
                    let runID = try #require(UUID(uuidString: ids[0]))
                    let done = try await f.waitForRun(runID, timeout: .seconds(40)) { $0.status.isFinished }
                    #expect(done.status == .completed, "the run is \(done.status)")

                    let runs = try await database.owner.query(
                        "SELECT id FROM irrigation_runs WHERE program_id = $1::uuid AND requested_at >= $2::timestamptz",
                        [SQLValue(setup.programID), SQLValue(since)]
                    )
                    #expect(runs.count == 1, "\(runs.count) runs started")
                    let commands = try await f.commands(run: runID)
                    #expect(
                        commands == [
                            "open VLV-001 EXECUTED", "close VLV-001 EXECUTED", "open VLV-002 EXECUTED",
                            "close VLV-002 EXECUTED",
                        ],
                        "commands: \(commands)"
                    )
                    let attempts = try await database.owner.query(
                        "SELECT id, attempts FROM device_commands WHERE run_id = $1::uuid",
                        [SQLValue(runID)]
                    )
                    for row in attempts {
                        #expect(try row.decode("attempts", as: Int.self) == 1, "a command was published again")
                    }
                    // Applied once: one settlement row per command.
                    let applied = try await database.owner.query(
                        """
                        SELECT count(*) AS n FROM irrigation_applied_settlements s
                        JOIN device_commands c ON c.id = s.command_id WHERE c.run_id = $1::uuid
                        """,
                        [SQLValue(runID)]
                    )
                    #expect(try applied[0].decode("n", as: Int.self) == 4)
                }
            }
        }
        // Each command reached the controller once (the device's own record of what arrived).
        let arrivals = records.filter { $0.kind == .command }.compactMap(\.commandID)
        #expect(arrivals.count == 4, "commands arrived: \(arrivals)")
        #expect(Set(arrivals).count == arrivals.count, "a command arrived twice: \(arrivals)")
        #expect(F.switches(records, setup) == ["VLV-001 on", "VLV-001 off", "VLV-002 on", "VLV-002 off"])
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
