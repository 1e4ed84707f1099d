import API
import Bus
import Domain
import Foundation
import Simulator
import Store
import SwiftProtobuf
import Testing

/// The rows that hold a start back until a condition clears: the concurrency cap and the CO2 exhaust lockout.
extension IrrigationInterlockEndToEndTests {
    @Test("concurrency cap: a second HL open waits Queued (CONCURRENCY_CAP) and runs once the first HL valve closes")
    func capQueuesTheExcessUntilASlotFrees() async throws {
        let setup = F.flower
        let records = try await F.with { f in
            let first = try await f.program(setup, "e2e HL A", steps: [("VLV-003", 4)], maxRuntime: 60)
            let second = try await f.program(setup, "e2e HL B", steps: [("VLV-004", 2)], maxRuntime: 60)
            let standard = try await f.program(setup, "e2e STD", steps: [("VLV-005", 2)], maxRuntime: 60)
            let a = try await f.start(program: first)
            let watering = try await f.waitForRun(a.id) { $0.steps[0].status == .watering || $0.status.isFinished }
            try #require(watering.steps[0].status == .watering, "A's step is \(watering.steps[0].status)")

            // The HL slot is taken: B is held; a STD open beside it is not.
            let b = try await f.start(program: second)
            #expect(b.status == .queued)
            #expect(b.blockReason == .concurrencyCap)
            #expect(try await f.commands(run: b.id).isEmpty, "B issued a command while A's HL valve was open")
            let c = try await f.start(program: standard)
            #expect(c.status == .running, "the STD run is \(c.status), \(String(describing: c.blockReason))")
            #expect(try await f.events(run: b.id) == ["QUEUED CONCURRENCY_CAP"])
            #expect(try await f.audits(run: b.id).contains("interlock.queued CONCURRENCY_CAP"))

            let doneA = try await f.waitForRun(a.id, timeout: .seconds(30)) { $0.status.isFinished }
            let doneB = try await f.waitForRun(b.id, timeout: .seconds(30)) { $0.status.isFinished }
            let doneC = try await f.waitForRun(c.id, timeout: .seconds(30)) { $0.status.isFinished }
            #expect([doneA.status, doneB.status, doneC.status] == [.completed, .completed, .completed])
            #expect(doneB.blockReason == nil)
            let closedA = try #require(doneA.steps[0].closedAt)
            let startedB = try #require(doneB.startedAt)
            #expect(startedB >= closedA, "B started at \(startedB), before A's valve closed at \(closedA)")
        }
        let switches = F.switches(records, setup)
        #expect(
            switches.filter { !$0.hasPrefix("VLV-005") } == ["VLV-003 on", "VLV-003 off", "VLV-004 on", "VLV-004 off"]
        )
        #expect(switches.filter { $0.hasPrefix("VLV-005") } == ["VLV-005 on", "VLV-005 off"])
        #expect(F.mostOnAtOnce(records, setup, among: ["VLV-003", "VLV-004"]) == 1)
        #expect(F.mostOnAtOnce(records, setup, among: ["VLV-003", "VLV-004", "VLV-005"]) == 2)
    }

    @Test("CO2 exhaust lockout: a start is held Queued with the reason; a watering step goes on, the next one waits")
    func exhaustLockoutBlocksStarts() async throws {
        let setup = F.flower
        let records = try await F.with { f in
            let exhaust = try await f.registerExhaust(setup)
            try await f.setSource(.deviceState(deviceID: exhaust, property: "lockout"), for: .co2Exhaust, setup)
            let device = try await MQTTClient.connect(
                .init(port: f.base.endpoint.port, clientID: "e2e-exhaust-\(UInt32.random(in: 0...UInt32.max))"),
                logger: DispatchFixture.logger
            )
            try await f.publishLockout("active", device: exhaust, through: device)
            let program = try await f.program(
                setup,
                "e2e exhaust",
                steps: [("VLV-003", 4), ("VLV-004", 2)],
                maxRuntime: 60
            )
            let run = try await f.start(program: program)
            #expect(run.status == .queued)
            #expect(run.blockReason == .co2ExhaustLockout)
            #expect(try await f.events(run: run.id) == ["BLOCKED CO2_EXHAUST_LOCKOUT"])
            #expect(try await f.audits(run: run.id).contains("interlock.blocked CO2_EXHAUST_LOCKOUT"))
            // Retried every pass (200 ms), still held, still logged once.
            try await Task.sleep(for: .seconds(1))
            let still = try await f.run(run.id)
            #expect(still.status == .queued && still.blockReason == .co2ExhaustLockout)
            #expect(try await f.commands(run: run.id).isEmpty)
            #expect(try await f.events(run: run.id).count == 1)

            try await f.publishLockout("clear", device: exhaust, through: device)
            let watering = try await f.waitForRun(run.id) { $0.steps[0].status == .watering || $0.status.isFinished }
            try #require(watering.steps[0].status == .watering, "step 0 is \(watering.steps[0].status)")
            // Locked out again while water flows: the step goes on; the next step waits for the exhaust.
            try await f.publishLockout("active", device: exhaust, through: device)
            let waiting = try await f.waitForRun(run.id, timeout: .seconds(20)) {
                ($0.currentStep == 1 && $0.blockReason == .co2ExhaustLockout) || $0.status.isFinished
            }
            #expect(waiting.status == .running)
            #expect(waiting.steps[0].status == .done && waiting.steps[1].status == .pending)
            try await f.publishLockout("clear", device: exhaust, through: device)
            let done = try await f.waitForRun(run.id, timeout: .seconds(20)) { $0.status.isFinished }
            #expect(done.status == .completed, "the run is \(done.status), \(String(describing: done.abortCause))")
            #expect(try await f.events(run: run.id) == ["BLOCKED CO2_EXHAUST_LOCKOUT", "BLOCKED CO2_EXHAUST_LOCKOUT"])
            await device.disconnect()
            try await f.setSource(nil, for: .co2Exhaust, setup)
        }
        #expect(F.switches(records, setup) == ["VLV-003 on", "VLV-003 off", "VLV-004 on", "VLV-004 off"])
    }
}

extension EndToEndFixture {
    /// A CO2 exhaust controller in the room (equipment `EXH-<room>`), its `lockout` state the group's CO2 input.
    func registerExhaust(_ setup: PilotSeed.RoomIrrigation) async throws -> UUID {
        let id = PilotSeed.id("e2e/exhaust/\(setup.room)")
        try await self.base.database.owner.query(
            """
            INSERT INTO equipment (id, site_id, code, name, kind, room_id)
            VALUES ($1::uuid, $2::uuid, $3, $4, 'controller', $5::uuid) ON CONFLICT DO NOTHING
            """,
            [
                SQLValue(id), SQLValue(PilotSeed.siteID), SQLValue("EXH-\(setup.room)"),
                SQLValue("CO2 exhaust controller \(setup.room)"), SQLValue(PilotSeed.id("room/\(setup.room)")),
            ]
        )
        return id
    }

    /// The exhaust controller publishes its state (retained, as devices do) with `lockout` = `value`; returns once
    /// the platform has stored it.
    func publishLockout(_ value: String, device: UUID, through client: MQTTClient) async throws {
        let id = device.uuidString.lowercased()
        let state =
            try Harvestry_Telemetry_V1_State.with {
                $0.deviceID = id
                $0.timestamp = .init(date: Date())
                $0.properties = ["lockout": value]
            }.serializedBytes() as [UInt8]
        try await client.publish(
            state,
            to: "hv/v1/\(PilotSeed.siteID.uuidString.lowercased())/\(id)/state",
            retain: true
        )
        let stored = try await DispatchFixture.waitFor(timeout: .seconds(10)) {
            let rows = try await self.base.database.owner.query(
                "SELECT properties ->> 'lockout' AS value FROM device_states WHERE equipment_id = $1::uuid",
                [SQLValue(device)]
            )
            return try rows.first?.decode("value", as: String?.self) == value
        }
        try #require(stored, "the exhaust's lockout = \(value) was not stored")
    }
}
