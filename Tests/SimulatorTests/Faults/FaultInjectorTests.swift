import Fieldbus
import Testing

@testable import Simulator

@Suite struct FaultInjectorTests {
    @Test func timedEstopClosesTheOutputsExpiresAndTheOutputsStayOffUntilRearm() async throws {
        let h = FaultHarness()
        h.advance(to: .seconds(1))
        h.open("vlv-std-1")
        #expect(h.controller().outputs.contains { $0.isOn })

        let fault = try await h.injector.inject(
            FaultRequest(
                target: .device(ModelsFixture.controller),
                effect: .device(.estopOpen),
                duration: .seconds(30)
            ),
            by: "test"
        )
        #expect(fault.state == .active)
        #expect(fault.expiresAt == ModelsFixture.start + .seconds(31))
        #expect(h.controller().estopOpen)
        #expect(h.controller().outputs.allSatisfy { !$0.isOn })
        let switches = h.site.takeEmissions().filter {
            if case .outputChanged(_, false) = $0.kind { true } else { false }
        }
        #expect(switches.count == 2)  // the valve and the pump

        h.advance(to: .seconds(20))
        #expect(await h.injector.expireDue(at: h.clock.read()).isEmpty)
        #expect(h.controller().estopOpen)

        h.advance(to: .seconds(31))
        let expired = await h.injector.expireDue(at: h.clock.read())
        #expect(expired.map(\.id) == [fault.id])
        #expect(expired.first?.state == .expired)
        #expect(expired.first?.endedBy == "expiry")
        #expect(!h.controller().estopOpen)
        #expect(h.controller().latchedFault == "ESTOP_OPEN")  // latched until an authorized re-arm
        h.advance(to: .seconds(60))
        #expect(h.controller().outputs.allSatisfy { !$0.isOn })
        #expect(await h.injector.activeCount == 0)

        let log = h.sink.all
        #expect(log.map(\.action) == [.applied, .expired])
        #expect(log.allSatisfy { $0.what == "estop-open" && $0.target == "devices/ctl-1" })
        #expect(log.map(\.at) == [ModelsFixture.start + .seconds(1), ModelsFixture.start + .seconds(31)])
        #expect(log.map(\.by) == ["test", "expiry"])
    }

    @Test func heldStuckSensorIsRestoredByClear() async throws {
        let h = FaultHarness()
        h.advance(to: .seconds(5))
        let fault = try await h.injector.inject(
            FaultRequest(target: .device(ModelsFixture.climate), effect: .device(.stuck(stream: "temperature"))),
            by: "test"
        )
        #expect(fault.expiresAt == nil)
        let stuck = FaultHarness.readings(
            h.advance(to: .seconds(60)),
            device: ModelsFixture.climate,
            stream: "temperature"
        )
        #expect(stuck.count >= 50)
        #expect(Set(stuck).count == 1)
        #expect(await h.injector.expireDue(at: h.clock.read()).isEmpty)  // held: never expires

        let cleared = try await h.injector.clear(id: fault.id, by: "operator")
        #expect(cleared.state == .cleared)
        #expect(cleared.endedBy == "operator")
        let after = FaultHarness.readings(
            h.advance(to: .seconds(120)),
            device: ModelsFixture.climate,
            stream: "temperature"
        )
        #expect(Set(after).count > 10)
        #expect(h.sink.all.map(\.action) == [.applied, .cleared])

        await #expect(throws: FaultError(.notActive, "\(fault.name) has already ended (cleared)")) {
            try await h.injector.clear(id: fault.id, by: "operator")
        }
        await #expect(throws: FaultError(.notFound, "no fault 99")) {
            try await h.injector.clear(id: 99, by: "operator")
        }
    }

    @Test func endingOneSensorFaultKeepsTheDevicesOtherFaults() async throws {
        let h = FaultHarness()
        h.advance(to: .seconds(5))
        let climate = FaultTarget.device(ModelsFixture.climate)
        _ = try await h.injector.inject(FaultRequest(target: climate, effect: .device(.stuck(stream: nil))), by: "t")
        _ = try await h.injector.inject(
            FaultRequest(target: climate, effect: .device(.offline), duration: .seconds(10)),
            by: "t"
        )
        #expect(
            FaultHarness.readings(h.advance(to: .seconds(14)), device: ModelsFixture.climate, stream: "co2").isEmpty
        )
        h.advance(to: .seconds(15))
        #expect(await h.injector.expireDue(at: h.clock.read()).count == 1)
        let co2 = FaultHarness.readings(h.advance(to: .seconds(60)), device: ModelsFixture.climate, stream: "co2")
        #expect(co2.count >= 40)
        #expect(Set(co2).count == 1)  // still stuck after the offline fault was undone by a restore
    }

    @Test func groupFaultsApplyToEveryMember() async throws {
        let h = FaultHarness()
        h.advance(to: .seconds(2))
        let fault = try await h.injector.inject(
            FaultRequest(
                target: .deviceGroup("sensors"),
                effect: .device(.dropout(stream: nil)),
                duration: .seconds(5)
            ),
            by: "t"
        )
        #expect(fault.devices == [ModelsFixture.climate, ModelsFixture.substrate])
        let quiet = h.advance(to: .seconds(6))
        #expect(!quiet.contains { $0.device == ModelsFixture.climate || $0.device == ModelsFixture.substrate })
        h.advance(to: .seconds(7))
        #expect(await h.injector.expireDue(at: h.clock.read()).count == 1)
        let back = h.advance(to: .seconds(20))
        #expect(!FaultHarness.readings(back, device: ModelsFixture.substrate, stream: "ec").isEmpty)
    }

    @Test func timedToxicIsRemovedWhenItExpires() async throws {
        let h = FaultHarness()
        let toxic = NetworkToxic(.latency(.milliseconds(200), jitter: .milliseconds(50)), direction: .upstream)
        let fault = try await h.injector.inject(
            FaultRequest(target: .deviceGroup("room-a"), effect: .network(toxic), duration: .seconds(3)),
            by: "t"
        )
        h.advance(to: .seconds(3))
        let listed = await h.injector.faults(activeOnly: false, pageSize: 10, before: nil)
        #expect(listed.records.map(\.state) == [.expired])
        #expect(h.network.log == ["add fault-\(fault.id) latency upstream room-a", "remove fault-\(fault.id) room-a"])
    }

    @Test func momentaryFaultsAreDoneAtOnceAndRepeatedRequestIDsAnswerTheFirst() async throws {
        let h = FaultHarness()
        let request = FaultRequest(target: .device(ModelsFixture.controller), effect: .restorePower)
        let first = try await h.injector.inject(request, by: "t", requestID: "r-1")
        #expect(first.state == .done)
        let again = try await h.injector.inject(request, by: "t", requestID: "r-1")
        #expect(again.id == first.id)
        #expect(h.sink.all.count == 1)
        #expect(await h.injector.activeCount == 0)
    }

    @Test func listingPagesNewestFirst() async throws {
        let h = FaultHarness()
        for _ in 0..<5 {
            _ = try await h.injector.inject(
                FaultRequest(target: .device(ModelsFixture.climate), effect: .device(.noise(stream: "co2", sigma: 3))),
                by: "t"
            )
        }
        let first = await h.injector.faults(activeOnly: true, pageSize: 2, before: nil)
        #expect(first.records.map(\.id) == [5, 4])
        let second = await h.injector.faults(activeOnly: true, pageSize: 2, before: first.next)
        #expect(second.records.map(\.id) == [3, 2])
        let last = await h.injector.faults(activeOnly: true, pageSize: 2, before: second.next)
        #expect(last.records.map(\.id) == [1])
        #expect(last.next == nil)
    }

    static let invalid: [(FaultRequest, String)] = [
        (.init(target: .device("clim-1"), effect: .device(.noise(stream: "co2", sigma: 0))), "fault.sensor.sigma"),
        (
            .init(target: .device("clim-1"), effect: .device(.drift(stream: nil, perHour: .nan))),
            "fault.sensor.per_hour"
        ),
        (.init(target: .device("clim-1"), effect: .device(.stuck(stream: "level"))), "fault.sensor.stream"),
        (.init(target: .device("clim-1"), effect: .device(.estopOpen)), "fault.device.kind"),
        (.init(target: .device("nope"), effect: .device(.offline)), "fault.target"),
        (.init(target: .deviceGroup("nope"), effect: .device(.offline)), "fault.target"),
        (.init(target: .broker, effect: .device(.offline)), "fault.target"),
        (.init(target: .device("ctl-1"), effect: .device(.estopClosed), duration: .seconds(1)), "fault.duration"),
        (.init(target: .device("ctl-1"), effect: .device(.estopOpen), duration: .seconds(-1)), "fault.duration"),
        (
            .init(target: .deviceGroup("room-a"), effect: .network(NetworkToxic(.down, direction: .upstream))),
            "fault.network.direction"
        ),
        (
            .init(target: .deviceGroup("room-a"), effect: .network(NetworkToxic(.bandwidth(kilobytesPerSecond: 0)))),
            "fault.network.rate_kilobytes_per_second"
        ),
        (.init(target: .deviceGroup("room-b"), effect: .network(NetworkToxic(.blackhole))), "fault.target"),
        (.init(target: .device("ctl-1"), effect: .modbus(ModbusFaultSpec(effect: .noReply))), "fault.target"),
        (.init(target: .inverter, effect: .modbus(ModbusFaultSpec(effect: .noReply, count: 0))), "fault.modbus.count"),
    ]

    @Test(arguments: Self.invalid)
    func invalidRequestsAreRefusedNamingTheField(request: FaultRequest, field: String) async {
        let h = FaultHarness()
        do {
            _ = try await h.injector.inject(request, by: "t")
            Issue.record("accepted \(request)")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.violations.first?.field == field, "\(error.message)")
        }
        #expect(h.sink.all.isEmpty)
        #expect(await h.injector.activeCount == 0)
    }

    @Test func faultsForMissingTargetsAreUnavailable() async {
        let h = FaultHarness()
        for request in [
            FaultRequest(target: .broker, effect: .broker(.kill)),
            FaultRequest(target: .inverter, effect: .modbus(ModbusFaultSpec(effect: .junkReply))),
        ] {
            var code: FaultError.Code?
            do { _ = try await h.injector.inject(request, by: "t") } catch { code = error.code }
            #expect(code == .targetUnavailable)
        }
    }
}
