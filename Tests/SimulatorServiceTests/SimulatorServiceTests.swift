import API
import CoreTransport
import GRPCCore
import GRPCProtobuf
import Simulator
import SwiftProtobuf
import Testing

@Suite("SimulatorService over the C-core transport and the JSON gateway")
struct SimulatorServiceTests {
    static func estop(for seconds: Int64) -> Harvestry_Simulator_V1_InjectFaultRequest {
        .with {
            $0.fault = .with {
                $0.target = "devices/ctl-1"
                $0.device = .with { $0.kind = .estopOpen }
                $0.duration = .with { $0.seconds = seconds }
            }
        }
    }

    @Test func injectListClearAndSummaryOverGRPC() async throws {
        try await SimulatorServiceFixture.with { fixture in
            let fault = try await fixture.client.injectFault(
                Self.estop(for: 30),
                metadata: [SimulatorService.actorMetadataKey: "drill-7"]
            )
            #expect(fault.name == "simulator/faults/1")
            #expect(fault.state == .active)
            #expect(fault.appliedBy == "drill-7")
            #expect(fault.expireTime.seconds == SimulatorServiceFixture.start.secondsAndNanos.seconds + 30)
            #expect(fault.summary == "estop-open on devices/ctl-1 for 30.0 seconds")
            #expect(fixture.site.withSimulation { $0.controllers[0].estopOpen })

            let summary = try await fixture.client.getSummary(.init())
            #expect(summary.activeFaults == 1)

            let cleared = try await fixture.client.clearFault(.with { $0.name = fault.name })
            #expect(cleared.state == .cleared)
            #expect(cleared.endedBy.hasPrefix("ipv4:127.0.0.1:"))
            #expect(!fixture.site.withSimulation { $0.controllers[0].estopOpen })

            let timed = try await fixture.client.injectFault(Self.estop(for: 5))
            fixture.advance(by: .seconds(6))
            let listed = try await fixture.client.listFaults(.with { $0.pageSize = 1 })
            #expect(listed.faults.map(\.name) == [timed.name])
            #expect(listed.faults.first?.state == .expired)
            #expect(listed.faults.first?.endedBy == "expiry")
            let rest = try await fixture.client.listFaults(.with { $0.pageToken = listed.nextPageToken })
            #expect(rest.faults.map(\.name) == [fault.name])
            #expect(rest.nextPageToken.isEmpty)

            let again = await #expect(throws: RPCError.self) {
                try await fixture.client.clearFault(.with { $0.name = fault.name })
            }
            #expect(again?.code == .failedPrecondition)
        }
    }

    @Test func invalidRequestsAreInvalidArgumentWithTheField() async throws {
        try await SimulatorServiceFixture.with { fixture in
            let cases: [(Harvestry_Simulator_V1_InjectFaultRequest, String)] = [
                (
                    .with {
                        $0.fault = .with {
                            $0.target = "devices/clim-1"; $0.sensor = .with { $0.kind = .noise }
                        }
                    },
                    "fault.sensor.sigma"
                ),
                (
                    .with {
                        $0.fault = .with {
                            $0.target = "devices/clim-1";
                            $0.sensor = .with {
                                $0.kind = .stuck; $0.stream = "ph"
                            }
                        }
                    },
                    "fault.sensor.stream"
                ),
                (
                    .with {
                        $0.fault = .with {
                            $0.target = "rooms/1"; $0.device = .with { $0.kind = .offline }
                        }
                    },
                    "fault.target"
                ),
                (.with { $0.fault = .with { $0.target = "devices/ctl-1" } }, "fault.effect"),
                (.init(), "fault"),
            ]
            for (request, field) in cases {
                let error = await #expect(throws: RPCError.self) { try await fixture.client.injectFault(request) }
                #expect(error?.code == .invalidArgument)
                let unpacked = try error?.unpackGoogleRPCStatus()
                let status = try #require(unpacked)
                let violations = status.details.compactMap(\.badRequest).flatMap(\.violations)
                #expect(violations.first?.field == field, "\(status.message)")
            }
            #expect(try await fixture.client.getSummary(.init()).activeFaults == 0)
        }
    }

    @Test func injectThroughTheJSONGateway() async throws {
        try await SimulatorServiceFixture.with(gateway: true) { fixture in
            let (status, fault) = try await fixture.http(
                "POST",
                "/v1/simulator/faults",
                body: #"{"target": "devices/ctl-1", "device": {"kind": "KIND_DOOR_OPEN"}, "duration": "30s"}"#
            )
            #expect(status == 200)
            #expect(fault["name"] as? String == "simulator/faults/1")
            #expect(fault["state"] as? String == "FAULT_STATE_ACTIVE")
            #expect(fixture.site.withSimulation { $0.controllers[0].doorOpen })

            let (listStatus, list) = try await fixture.http("GET", "/v1/simulator/faults?activeOnly=true")
            #expect(listStatus == 200)
            #expect((list["faults"] as? [Any])?.count == 1)

            let (clearStatus, cleared) = try await fixture.http("POST", "/v1/simulator/faults/1:clear", body: "{}")
            #expect(clearStatus == 200)
            #expect(cleared["state"] as? String == "FAULT_STATE_CLEARED")
            #expect(!fixture.site.withSimulation { $0.controllers[0].doorOpen })

            let (badStatus, bad) = try await fixture.http(
                "POST",
                "/v1/simulator/faults",
                body: #"{"target": "devices/clim-1", "sensor": {"kind": "KIND_DRIFT"}}"#
            )
            #expect(badStatus == 400)
            let error = try #require(bad["error"] as? [String: Any])
            let details = try #require(error["details"] as? [[String: Any]])
            let violations = details.compactMap { $0["fieldViolations"] as? [[String: Any]] }.flatMap { $0 }
            #expect(violations.first?["field"] as? String == "fault.sensor.per_hour")
        }
    }
}
