import Domain
import Foundation
import HarvestryApp
import Simulator
import Store
import Testing

/// The FRP-06 interlock rows end to end (docs/irrigation.md, "End-to-end tests"): the pilot through the whole platform
/// (`EndToEndFixture`: run engine -> outbox -> dispatcher -> Mosquitto -> the simulator's edge controllers -> acks;
/// states and readings through MQTTIngest), each judged on the stored run, its interlock_events, its audit rows, its
/// device commands and the simulator's ground truth. Settings (staleness, bounds, alarm delays) are set small per
/// test; every wait is a bounded poll.
@Suite(.serialized, .appDatabase) struct IrrigationInterlockEndToEndTests {
    typealias F = EndToEndFixture

    /// A substrate reading the interlocks bound (EC or pH), on VEG-1-Z1's sensor.
    enum Probe: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case ec, ph
        var sensor: String { self == .ec ? "EC-001" : "PH-001" }
        var unit: String { self == .ec ? "mS/cm" : "pH" }
        var input: InterlockInput { self == .ec ? .ec : .ph }
        var reason: InterlockReason { self == .ec ? .ecOutOfBounds : .phOutOfBounds }
        /// The upper bound set for the test (the simulated substrate stays well below it).
        var limit: Double { self == .ec ? 5 : 8 }
        /// Units per hour of the drift that pushes the reading past `limit` within a few seconds (and stays
        /// plausible, EC <= 20, pH <= 14, for a few more).
        var drift: Double { self == .ec ? 7_200 : 3_600 }
        func bound(_ policy: inout InterlockPolicy) {
            if self == .ec { policy.ecBounds = 0.5...self.limit } else { policy.phBounds = 4...self.limit }
        }
        var testDescription: String { self.rawValue }
    }

    @Test(
        "EC / pH out of bounds while watering: Aborted with an alert and a review hold; starts refused until an operator overrides",
        arguments: Probe.allCases
    )
    func outOfBoundsAbortsAndHoldsForReview(_ probe: Probe) async throws {
        let setup = F.veg
        let sensor = try #require(PilotSeed.devices.first { $0.code == probe.sensor }).id
        let records = try await F.with { f in
            let stream = try await f.registerStream(probe.sensor, probe.rawValue, unit: probe.unit)
            try await f.setSource(.stream(stream), for: probe.input, setup)
            try await f.editSettings {
                $0.policy.requiredInputs.insert(probe.input)
                probe.bound(&$0.policy)
                $0.policy.alarmDelays = [probe.reason: 1]
            }
            let inBounds = try await DispatchFixture.waitFor(timeout: .seconds(10)) {
                try await f.latestReading(stream).map { $0.age < 3 && $0.value < probe.limit } ?? false
            }
            try #require(inBounds, "no fresh \(probe) reading within bounds was stored")
            let program = try await f.program(setup, "e2e \(probe) hold", steps: [("VLV-001", 30)], maxRuntime: 60)
            let run = try await f.start(program: program)
            let watering = try await f.waitForRun(run.id) { $0.steps[0].status == .watering || $0.status.isFinished }
            try #require(watering.steps[0].status == .watering, "step 0 is \(watering.steps[0].status)")

            await f.inject(.drift(stream: probe.rawValue, perHour: probe.drift), on: sensor)
            let aborted = try await f.waitForRun(run.id, timeout: .seconds(20)) { $0.status.isFinished }
            #expect(aborted.status == .aborted)
            #expect(aborted.abortCause == .interlock(probe.reason), "\(String(describing: aborted.abortCause))")
            #expect(aborted.unconfirmedZones.isEmpty)
            let events = try await f.events(run: run.id)
            #expect(events.contains("ABORTED \(probe.reason.rawValue)"), "events: \(events)")
            #expect(events.contains("LATCHED \(probe.reason.rawValue)"), "events: \(events)")
            let audits = try await f.audits(run: run.id)
            #expect(audits.contains("irrigation_run.alert \(probe.reason.rawValue)"), "audit: \(audits)")
            #expect(audits.contains("interlock.aborted \(probe.reason.rawValue)"), "audit: \(audits)")
            #expect(audits.contains("interlock.latched \(probe.reason.rawValue)"), "audit: \(audits)")

            // The sensor back within bounds: the review hold still refuses a start, without opening anything.
            await f.inject(.restore, on: sensor)
            let back = try await DispatchFixture.waitFor(timeout: .seconds(10)) {
                try await f.latestReading(stream).map { $0.age < 3 && $0.value < probe.limit } ?? false
            }
            try #require(back, "the restored \(probe) reading was not stored")
            let held = try await f.start(setup)
            let refused = try await f.waitForRun(held.id, timeout: .seconds(10)) { $0.status.isFinished }
            #expect(refused.status == .aborted, "the run under review hold is \(refused.status)")
            #expect(refused.blockReason == probe.reason)
            #expect(try await f.commands(run: held.id).isEmpty)

            // Review, then the operator's override: the next start waters.
            let cleared = try await f.engine.rearm(
                siteID: PilotSeed.siteID,
                reason: probe.reason,
                note: "e2e: \(probe) reviewed, sensor recalibrated",
                in: F.scope,
                audit: .none
            )
            #expect(cleared.count == 1)
            let next = try await f.start(setup)
            let done = try await f.waitForRun(next.id, timeout: .seconds(40)) { $0.status.isFinished }
            #expect(done.status == .completed, "the run after the override is \(done.status)")
            try await f.setSource(nil, for: probe.input, setup)
        }
        #expect(
            F.switches(records, setup) == [
                "VLV-001 on", "VLV-001 off", "VLV-001 on", "VLV-001 off", "VLV-002 on", "VLV-002 off",
            ]
        )
    }

    @Test("max runtime reached while watering: the valve is closed, the run Aborted (MAX_RUNTIME_EXCEEDED), no restart")
    func maxRuntimeClosesSafely() async throws {
        let setup = F.veg
        let records = try await F.with { f in
            // The step's timer runs from the confirmed open, the runtime from the start before it: the runtime ends
            // first, while the valve is open.
            let program = try await f.program(setup, "e2e runtime", steps: [("VLV-001", 3)], maxRuntime: 3)
            let run = try await f.start(program: program)
            let done = try await f.waitForRun(run.id, timeout: .seconds(20)) { $0.status.isFinished }
            #expect(done.status == .aborted)
            #expect(done.abortCause == .interlock(.maxRuntimeExceeded), "\(String(describing: done.abortCause))")
            #expect(done.steps[0].openedAt != nil)
            #expect(done.unconfirmedZones.isEmpty)
            let events = try await f.events(run: run.id)
            #expect(events == ["ABORTED MAX_RUNTIME_EXCEEDED"], "events: \(events)")
            let audits = try await f.audits(run: run.id)
            #expect(audits.contains("irrigation_run.alert MAX_RUNTIME_EXCEEDED"), "audit: \(audits)")
            #expect(audits.contains("interlock.aborted MAX_RUNTIME_EXCEEDED"), "audit: \(audits)")
            let commands = try await f.commands(run: run.id)
            #expect(commands == ["open VLV-001 EXECUTED", "close VLV-001 EXECUTED"], "commands: \(commands)")
            // Manual restart: nothing starts the program again by itself.
            let runs = try await f.base.database.owner.query(
                "SELECT count(*) AS n FROM irrigation_runs WHERE program_id = $1::uuid",
                [SQLValue(program.id)]
            )
            #expect(try runs[0].decode("n", as: Int.self) == 1)
        }
        #expect(F.switches(records, setup) == ["VLV-001 on", "VLV-001 off"])
    }
}
