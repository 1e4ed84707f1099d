import Testing

@testable import Simulator

/// The property of issue 6: no random sequence of inputs, commands and faults leaves an output on while E-STOP or
/// door is open, above the 1 HL + 6 STD cap, past the maximum runtime, or after a latched fault before re-arm.
/// Judged by `SafetyChecker` from the emitted ground truth. Deterministic seeds; a failure prints its seed.
@Suite struct SafetyPropertyTests {
    static let sequences = 500
    static let steps = 200
    static let maxRuntime = Duration.seconds(300)

    @Test func noRandomSequenceActuatesUnsafely() {
        let spec = ModelsFixture.spec(sampleInterval: .seconds(30))
        let checker = SafetyChecker(spec: spec, maxRuntime: Self.maxRuntime)
        var failures: [String] = []
        var seen: [String: Int] = [:]
        for sequence in 0..<Self.sequences {
            let seed = UInt64(sequence) &* 0x9e37_79b9 &+ 17
            let (problems, emissions) = Self.run(seed: seed, spec: spec, checker: checker)
            if !problems.isEmpty {
                failures.append("seed \(seed): \(problems.prefix(3).joined(separator: "; "))")
            }
            for emission in emissions {
                switch emission.kind {
                case .event(_, let code, _, _): seen[code, default: 0] += 1
                case .ack(_, .rejected, let reason): seen[reason, default: 0] += 1
                case .outputChanged(_, true): seen["ON", default: 0] += 1
                default: break
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) unsafe sequences, first: \(failures.first ?? "")")
        // The sequences must reach the situations the property is about, or passing proves little.
        for situation in [
            "ON", "ESTOP_OPEN", "DOOR_OPEN", "MAX_RUNTIME", "POWER_RESTORED", "TANK_LOW", "REARMED",
            "CONCURRENCY_CAP", "QUEUED_OPEN_EXECUTED", "FAULT_LATCHED", "EXPIRED", "PROGRAM_COMPLETED",
        ] {
            #expect(seen[situation, default: 0] > 0, "no sequence reached \(situation)")
        }
        print(
            "safety property: \(Self.sequences) sequences x \(Self.steps) steps; reached \(seen.sorted { $0.key < $1.key })"
        )
    }

    /// One random sequence; returns the checker's findings.
    static func run(seed: UInt64, spec: SiteSpec, checker: SafetyChecker) -> ([String], [Emission]) {
        var rng = SimRandom(seed: seed)
        var site = SiteSimulation(
            spec: spec,
            seed: seed,
            start: ModelsFixture.start,
            controllerConfig: ModelsFixture.config(maxRuntime: Self.maxRuntime)
        )
        var now = ModelsFixture.start
        var emissions: [Emission] = []
        var inputs: [SafetyChecker.Input] = []
        var rearms: Set<String> = []
        let controller = ModelsFixture.controller
        let valves = ModelsFixture.valves
        for step in 0..<Self.steps {
            now = now + .milliseconds(Int64(rng.next() % 120_000))
            emissions += site.advance(to: now)
            let pick = rng.next() % 100
            let valve = valves[Int(rng.next() % UInt64(valves.count))]
            var parameters: [String: String] = ["valve": valve]
            var name = ControllerCommand.valveOpen
            var fault: DeviceFault?
            switch pick {
            case 0..<50:
                if rng.next() % 4 != 0 { parameters["duration_s"] = String(1 + rng.next() % 330) }
            case 50..<60: name = ControllerCommand.valveClose
            case 60..<66:
                let count = 1 + Int(rng.next() % 4)
                parameters = [
                    "steps": (0..<count).map { _ in
                        "\(valves[Int(rng.next() % UInt64(valves.count))]):\(1 + rng.next() % 200)"
                    }.joined(separator: ";")
                ]
                name = ControllerCommand.programStart
            case 66..<67: name = ControllerCommand.programStop
            case 67..<82:
                name = ControllerCommand.rearm
                parameters = rng.next() % 5 == 0 ? [:] : ["authorizer": "lead"]
            default:
                let faults: [DeviceFault] = [
                    .estopOpen, .estopClosed, .estopClosed, .doorOpen, .doorClosed, .doorClosed,
                    .poeLost, .poeRestored, .acLost, .acRestored, .tankLow, .restore,
                ]
                fault = faults[Int(rng.next() % UInt64(faults.count))]
            }
            if let fault {
                let target = fault == .tankLow || fault == .restore ? ModelsFixture.tank : controller
                inputs.append(.init(at: now, controller: controller, fault: fault))
                emissions += site.apply(fault, to: target, at: now)
                continue
            }
            let id = "cmd-\(step)"
            if name == ControllerCommand.rearm { rearms.insert(id) }
            let toValve = name.hasPrefix("valve.") && rng.next() % 4 == 0
            if toValve { parameters["valve"] = nil }
            let expiry = rng.next() % 10 == 0 ? now - .seconds(1) : now + .seconds(30)
            let key = rng.next() % 10 == 0 && step > 0 ? "cmd-\(step - 1)" : id
            let command = SimCommand(
                id: id,
                idempotencyKey: key,
                device: toValve ? valve : controller,
                name: name,
                parameters: parameters,
                expireTime: expiry
            )
            emissions += site.receive(command, at: now)
        }
        let end = now + .seconds(900)
        emissions += site.advance(to: end)
        var problems = checker.violations(inputs: inputs, emissions: emissions, rearms: rearms, end: end)
        if !zip(emissions, emissions.dropFirst()).allSatisfy({ $0.at <= $1.at }) {
            problems.append("emissions out of time order")
        }
        return (problems, emissions)
    }
}

/// The checker must be able to say no: each rule against a deliberately unsafe emission list.
@Suite struct SafetyCheckerTests {
    let spec = ModelsFixture.spec()
    var checker: SafetyChecker { SafetyChecker(spec: self.spec, maxRuntime: .seconds(300)) }
    let t0 = ModelsFixture.start

    func on(_ device: String, _ at: SimInstant, _ isOn: Bool = true) -> Emission {
        Emission(device: device, at: at, kind: .outputChanged(output: "valve", isOn: isOn))
    }

    func input(_ at: SimInstant, _ fault: DeviceFault) -> SafetyChecker.Input {
        .init(at: at, controller: ModelsFixture.controller, fault: fault)
    }

    @Test func catchesAValveLeftOnAfterEstopOpen() {
        let found = self.checker.violations(
            inputs: [self.input(self.t0 + .seconds(5), .estopOpen)],
            emissions: [self.on("vlv-std-1", self.t0), self.on("vlv-std-1", self.t0 + .seconds(6), false)],
            rearms: [],
            end: self.t0 + .seconds(10)
        )
        #expect(found.contains { $0.contains("E-STOP/door open") })
    }

    @Test func catchesAValveOpenedAfterALatchWithoutRearm() {
        let emissions = [
            self.on("vlv-std-1", self.t0 + .seconds(8)), self.on("vlv-std-1", self.t0 + .seconds(9), false),
        ]
        let inputs = [self.input(self.t0 + .seconds(1), .doorOpen), self.input(self.t0 + .seconds(2), .doorClosed)]
        let found = self.checker.violations(
            inputs: inputs,
            emissions: emissions,
            rearms: [],
            end: self.t0 + .seconds(10)
        )
        #expect(found.contains { $0.contains("latched") })
        let rearm = Emission(
            device: ModelsFixture.controller,
            at: self.t0 + .seconds(3),
            kind: .ack(commandID: "r1", stage: .executed, reason: "")
        )
        let rearmed = self.checker.violations(
            inputs: inputs,
            emissions: [rearm] + emissions,
            rearms: ["r1"],
            end: self.t0 + .seconds(10)
        )
        #expect(rearmed.isEmpty)
    }

    @Test func catchesTheConcurrencyCap() {
        let sevenStandard = (1...7).map { self.on("vlv-std-\($0)", self.t0) }
        #expect(
            self.checker.violations(inputs: [], emissions: sevenStandard, rearms: [], end: self.t0 + .seconds(1))
                .contains { $0.contains("7 STD") }
        )
        let twoHigh = [self.on("vlv-hl-1", self.t0), self.on("vlv-hl-2", self.t0)]
        #expect(
            self.checker.violations(inputs: [], emissions: twoHigh, rearms: [], end: self.t0 + .seconds(1))
                .contains { $0.contains("2 HL") }
        )
    }

    @Test func catchesAValvePastMaxRuntimeClosedOrNot() {
        let closedLate = [self.on("vlv-std-1", self.t0), self.on("vlv-std-1", self.t0 + .seconds(301), false)]
        #expect(
            !self.checker.violations(inputs: [], emissions: closedLate, rearms: [], end: self.t0 + .seconds(400))
                .isEmpty
        )
        let neverClosed = [self.on("vlv-std-1", self.t0)]
        #expect(
            !self.checker.violations(inputs: [], emissions: neverClosed, rearms: [], end: self.t0 + .seconds(400))
                .isEmpty
        )
        let reopenedAfterTrip = [
            self.on("vlv-std-1", self.t0), self.on("vlv-std-1", self.t0 + .seconds(300), false),
            self.on("vlv-std-2", self.t0 + .seconds(301)),
        ]
        #expect(
            self.checker.violations(inputs: [], emissions: reopenedAfterTrip, rearms: [], end: self.t0 + .seconds(302))
                .contains { $0.contains("latched") }
        )
    }

    @Test func catchesAnOutputOnWithoutPower() {
        let found = self.checker.violations(
            inputs: [self.input(self.t0, .poeLost), self.input(self.t0, .acLost)],
            emissions: [self.on("pmp-1", self.t0 + .seconds(1))],
            rearms: [],
            end: self.t0 + .seconds(2)
        )
        #expect(found.contains { $0.contains("without power") })
    }
}
