import API
import CoreTransport
import Foundation
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf
import Testing

extension DatabaseSuites {
    /// FRP-06's seed contracts through the JSON gateway beside the server, with the seed's field names:
    /// `POST /irrigation/programs`, `POST /irrigation/runs`, `POST /irrigation/runs/{id}/abort`; and the service in
    /// /openapi.json and server reflection.
    @Suite("Irrigation seed contracts over HTTP")
    struct IrrigationSeedContractTests {
        @Test("programs, runs and aborts answer with the seed's fields; bad input is 400 naming the field")
        func contracts() async throws {
            let database = try AppDatabase.current()
            let tenant = try await TestTenant.make(in: database, sites: 1)
            try await TestServer.with(database, gateway: true) { server in
                let session = try await server.login(tenant.adminBadge)
                let f = try await IrrigationSite.make(server, site: tenant.site(0), metadata: session.metadata)
                let http = GatewayClient(port: try #require(server.httpPort))
                defer { http.close() }

                let created = try await http.send(
                    "POST",
                    "/irrigation/programs",
                    token: session.token,
                    json:
                        #"{"name":"Seed","groupId":"\#(f.group.id)","steps":[{"zoneId":"\#(f.zones[0].id)","duration":90}]}"#
                )
                #expect(created.status == 200, "\(created.text)")
                let program = try #require(created.json)
                let programID = try #require(program["id"] as? String)
                #expect(program["displayName"] as? String == "Seed")
                #expect(program["groupId"] as? String == f.group.id)
                let steps = try #require(program["steps"] as? [[String: Any]])
                #expect(steps.first?["zoneId"] as? String == f.zones[0].id)
                #expect(steps.first?["duration"] as? Double == 90)

                let bad = try await http.send(
                    "POST",
                    "/irrigation/programs",
                    token: session.token,
                    json: #"{"name":"Seed","groupId":"\#(f.group.id)","steps":[{"zoneId":"\#(f.zones[0].id)"}]}"#
                )
                #expect(bad.status == 400, "\(bad.text)")
                #expect(Self.fieldViolations(bad).contains("program.steps[0].duration"), "\(bad.text)")

                let started = try await http.send(
                    "POST",
                    "/irrigation/runs",
                    token: session.token,
                    json: #"{"programId":"\#(programID)","manualApproval":false}"#
                )
                #expect(started.status == 200, "\(started.text)")
                let start = try #require(started.json)
                let runID = try #require(start["runId"] as? String)
                #expect(start["status"] as? String == "Queued")
                #expect((start["run"] as? [String: Any])?["id"] as? String == runID)

                let aborted = try await http.send(
                    "POST",
                    "/irrigation/runs/\(runID)/abort",
                    token: session.token,
                    json: #"{"reason":"leak in row 3"}"#
                )
                #expect(aborted.status == 200, "\(aborted.text)")
                let abort = try #require(aborted.json)
                #expect(abort["stoppedAt"] is String, "\(aborted.text)")
                #expect((abort["run"] as? [String: Any])?["status"] as? String == "ABORTED")

                let missingReason = try await http.send(
                    "POST",
                    "/irrigation/runs/\(runID)/abort",
                    token: session.token,
                    json: "{}"
                )
                #expect(missingReason.status == 400 && Self.fieldViolations(missingReason) == ["reason"])
                let anonymous = try await http.send("POST", "/irrigation/runs", json: #"{"programId":"\#(programID)"}"#)
                #expect(anonymous.status == 401)

                // Served means listed: the gateway's OpenAPI document and server reflection.
                let openAPI = try #require(try await http.send("GET", "/openapi.json").json)
                let paths = try #require(openAPI["paths"] as? [String: Any])
                for path in ["/irrigation/programs", "/irrigation/runs", "/irrigation/runs/{run_id}/abort"] {
                    #expect(paths[path] != nil, "\(paths.keys.sorted())")
                }
                let listed = try await withGRPCClient(transport: try CoreClientTransport(target: server.address)) {
                    client in
                    try await Grpc_Reflection_V1_ServerReflection.Client(wrapping: client).serverReflectionInfo(
                        request: StreamingClientRequest { writer in
                            try await writer.write(.with { $0.listServices = "" })
                        }
                    ) { response in
                        var names: [String] = []
                        for try await message in response.messages {
                            names = message.listServicesResponse.service.map(\.name)
                            break
                        }
                        return names
                    }
                }
                #expect(listed.contains("harvestry.irrigation.v1.IrrigationService"), "\(listed)")
            }
        }

        /// The fields of a 400's `google.rpc.BadRequest` detail.
        static func fieldViolations(_ response: GatewayClient.Response) -> [String] {
            let details = response.error?["details"] as? [[String: Any]] ?? []
            return details.filter { ($0["@type"] as? String)?.hasSuffix("google.rpc.BadRequest") == true }
                .flatMap { ($0["fieldViolations"] as? [[String: Any]]) ?? [] }
                .compactMap { $0["field"] as? String }
        }
    }
}
