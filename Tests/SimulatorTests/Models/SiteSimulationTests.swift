import Testing

@testable import Simulator

@Suite struct SiteSimulationTests {
    let t0 = ModelsFixture.start

    func readings(_ emissions: [Emission], _ device: String, _ stream: String) -> [(SimInstant, Double)] {
        emissions.compactMap { emission in
            guard emission.device == device, case .reading(stream, let value, _) = emission.kind else { return nil }
            return (emission.at, value)
        }
    }

    func command(_ name: String, _ parameters: [String: String], id: String, at: SimInstant) -> SimCommand {
        SimCommand(
            id: id,
            idempotencyKey: id,
            device: ModelsFixture.controller,
            name: name,
            parameters: parameters,
            expireTime: at + .seconds(60)
        )
    }

    @Test func aSeedReproducesTheRunAndEmissionsAreInTimeOrder() {
        var a = SiteSimulation(spec: ModelsFixture.spec(), seed: 5, start: self.t0)
        var b = SiteSimulation(spec: ModelsFixture.spec(), seed: 5, start: self.t0)
        let runA = a.advance(to: self.t0 + .seconds(120))
        #expect(runA == b.advance(to: self.t0 + .seconds(120)))
        #expect(zip(runA, runA.dropFirst()).allSatisfy { $0.at <= $1.at })
        #expect(self.readings(runA, ModelsFixture.climate, "temperature").count == 120)
        var c = SiteSimulation(spec: ModelsFixture.spec(), seed: 6, start: self.t0)
        #expect(runA != c.advance(to: self.t0 + .seconds(120)))
    }

    @Test func addingADeviceDoesNotChangeTheOthers() {
        var small = SiteSimulation(spec: ModelsFixture.spec(), seed: 5, start: self.t0)
        var large = SiteSimulation(spec: ModelsFixture.spec(extraSensors: 20), seed: 5, start: self.t0)
        let end = self.t0 + .seconds(60)
        let fromSmall = small.advance(to: end).filter { !$0.device.hasPrefix("extra-") }
        let fromLarge = large.advance(to: end).filter { !$0.device.hasPrefix("extra-") }
        #expect(fromSmall == fromLarge)
    }

    @Test func anOpenValveWetsItsZoneAndThePumpDrainsTheTank() {
        var site = SiteSimulation(spec: ModelsFixture.spec(), seed: 3, start: self.t0)
        var out = site.advance(to: self.t0 + .seconds(10))
        out += site.receive(
            self.command(
                "valve.open",
                ["valve": "vlv-std-1", "duration_s": "300"],
                id: "c1",
                at: self.t0 + .seconds(10)
            ),
            at: self.t0 + .seconds(10)
        )
        out += site.advance(to: self.t0 + .seconds(310))
        out += site.advance(to: self.t0 + .seconds(3910))
        let moisture = self.readings(out, ModelsFixture.substrate, "moisture")
        let before = moisture.filter { $0.0 < self.t0 + .seconds(10) }.map(\.1).max()!
        let wettest = moisture.filter { $0.0 <= self.t0 + .seconds(310) }.map(\.1).max()!
        let last = moisture.last!.1
        #expect(wettest > before + 10)
        #expect(last < wettest - 3)  // an hour of dry-back
        let level = self.readings(out, ModelsFixture.tank, "level")
        let levelBefore = level.first { $0.0 >= self.t0 + .seconds(9) }!.1
        let levelAfter = level.first { $0.0 >= self.t0 + .seconds(311) }!.1
        #expect(abs((levelBefore - levelAfter) - 15) < 1)  // 300 s x 0.05 %/s
    }

    @Test func tankDrainedByPumpingAbortsTheRun() {
        var site = SiteSimulation(
            spec: ModelsFixture.spec(),
            seed: 3,
            start: self.t0,
            controllerConfig: ModelsFixture.config(maxRuntime: .seconds(7200))
        )
        var out = site.receive(self.command("valve.open", ["valve": "vlv-std-1"], id: "c1", at: self.t0), at: self.t0)
        out += site.advance(to: self.t0 + .seconds(7000))
        #expect(out.contains { if case .event(_, "TANK_LOW", _, _) = $0.kind { true } else { false } })
        #expect(site.controllers[0].outputs.allSatisfy { !$0.isOn })
    }

    @Test func sensorFaultsStuckDriftNoiseDropoutAndRestore() {
        var site = SiteSimulation(spec: ModelsFixture.spec(), seed: 4, start: self.t0)
        _ = site.advance(to: self.t0 + .seconds(5))
        var out = site.apply(.stuck(stream: "temperature"), to: ModelsFixture.climate, at: self.t0 + .seconds(5))
        out += site.apply(.dropout(stream: "co2"), to: ModelsFixture.climate, at: self.t0 + .seconds(5))
        out += site.apply(.drift(stream: "ec", perHour: 3600), to: ModelsFixture.substrate, at: self.t0 + .seconds(5))
        out += site.advance(to: self.t0 + .seconds(65))
        let temperatures = Set(self.readings(out, ModelsFixture.climate, "temperature").map(\.1))
        #expect(temperatures.count == 1)
        #expect(self.readings(out, ModelsFixture.climate, "co2").isEmpty)
        #expect(self.readings(out, ModelsFixture.climate, "humidity").count == 60)
        let ec = self.readings(out, ModelsFixture.substrate, "ec").map(\.1)
        #expect(ec.last! - ec.first! > 50)  // 1 mS/cm per second of drift
        out = site.apply(.restore, to: ModelsFixture.climate, at: self.t0 + .seconds(65))
        out += site.apply(.noise(stream: nil, sigma: 5), to: ModelsFixture.climate, at: self.t0 + .seconds(65))
        out += site.advance(to: self.t0 + .seconds(125))
        #expect(Set(self.readings(out, ModelsFixture.climate, "temperature").map(\.1)).count == 60)
        #expect(self.readings(out, ModelsFixture.climate, "co2").count == 60)
        let humidity = self.readings(out, ModelsFixture.climate, "humidity").map(\.1)
        #expect(humidity.max()! - humidity.min()! > 5)  // sigma 5 noise
    }

    @Test func offlineDevicesPublishNothingButGroundTruthRemains() {
        var site = SiteSimulation(spec: ModelsFixture.spec(), seed: 4, start: self.t0)
        var out = site.apply(.offline, to: ModelsFixture.climate, at: self.t0)
        out += site.receive(self.command("valve.open", ["valve": "vlv-std-1"], id: "c1", at: self.t0), at: self.t0)
        out += site.apply(.offline, to: ModelsFixture.controller, at: self.t0)
        out += site.apply(.estopOpen, to: ModelsFixture.controller, at: self.t0 + .seconds(10))
        out += site.receive(
            self.command("valve.open", ["valve": "vlv-std-2"], id: "c2", at: self.t0 + .seconds(11)),
            at: self.t0 + .seconds(11)
        )
        out += site.advance(to: self.t0 + .seconds(30))
        #expect(!out.contains { $0.device == ModelsFixture.climate })
        #expect(!out.contains { $0.device == ModelsFixture.controller && $0.at >= self.t0 + .seconds(10) })
        let offs = out.filter { $0.kind == .outputChanged(output: "valve", isOn: false) }
        #expect(offs.map(\.device) == ["vlv-std-1"])  // the E-STOP still acted
        let back = site.apply(.restore, to: ModelsFixture.controller, at: self.t0 + .seconds(30))
        #expect(
            back.contains {
                $0.device == ModelsFixture.controller
                    && $0.kind
                        == .state(
                            faultCode: "ESTOP_OPEN",
                            properties: [
                                "estop": "open", "door": "closed", "power": "normal", "tank": "ok", "program": "idle",
                                "valves_on": "0",
                            ]
                        )
            }
        )
        #expect(site.problem(applying: .estopOpen, to: ModelsFixture.climate) != nil)
        #expect(site.problem(applying: .stuck(stream: "ec"), to: ModelsFixture.climate)?.hasPrefix("stream:") == true)
        #expect(site.problem(applying: .offline, to: "ghost")?.hasPrefix("device:") == true)
    }

    @Test func tankLowInjectionAbortsAndRestoreRetriesTheProgram() {
        var site = SiteSimulation(spec: ModelsFixture.spec(), seed: 4, start: self.t0)
        var out = site.receive(
            self.command("program.start", ["steps": "vlv-std-2:60"], id: "c1", at: self.t0),
            at: self.t0
        )
        out += site.apply(.tankLow, to: ModelsFixture.tank, at: self.t0 + .seconds(10))
        out += site.advance(to: self.t0 + .seconds(20))
        #expect(self.readings(out, ModelsFixture.tank, "level").last!.1 < 6)
        #expect(site.controllers[0].outputs.allSatisfy { !$0.isOn })
        out += site.apply(.restore, to: ModelsFixture.tank, at: self.t0 + .seconds(20))
        #expect(site.controllers[0].outputs.contains { $0.device == "vlv-std-2" && $0.isOn })
    }
}
