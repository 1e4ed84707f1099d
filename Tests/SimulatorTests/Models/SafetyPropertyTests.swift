import Testing

@testable import Simulator

/// The property of issue 6: no random sequence of inputs, commands and faults leaves an output on while E-STOP or
/// door is open, above the 1 HL + 6 STD cap, past the maximum runtime, or after a latched fault before re-arm.
/// Judged by `SafetyChecker` from the emitted ground truth. Deterministic seeds; a failure prints its seed.
@Suite struct SafetyPropertyTests {
    static let sequences = 500
    static let steps = 200
    static let maxRuntime = Duration.seconds(300)

    /// The fixture's site plus a second controller with 1 HL + 3 STD valves, a pump and a tank.
    static let spec: SiteSpec = {
        let base = ModelsFixture.spec(sampleInterval: .seconds(30))
        var devices = base.devices
        var zones = base.zones
        devices.append(DeviceSpec(id: "ctl-2", code: "CTL-2", kind: .irrigationController))
        for valve in Self.secondValves {
            zones.append(ZoneSpec(id: "zone-\(valve)", code: valve))
            devices.append(ModelsFixture.valveSpec(valve, controller: "ctl-2"))
        }
        devices.append(DeviceSpec(id: "pmp-2", code: "PMP-2", kind: .pump, controller: "ctl-2"))
        devices.append(
            DeviceSpec(
                id: "tank-2",
                code: "TANK-2",
                kind: .tankLevel,
                controller: "ctl-2",
                sampleInterval: .seconds(30)
            )
        )
        return SiteSpec(site: base.site, zones: zones, devices: devices)
    }()
    static let secondValves = ["vlv2-hl-1", "vlv2-std-1", "vlv2-std-2", "vlv2-std-3"]
    /// Per controller: its id, valves and tank.
    static let controllers = [
        (id: ModelsFixture.controller, valves: ModelsFixture.valves, tank: ModelsFixture.tank),
        (id: "ctl-2", valves: Self.secondValves, tank: "tank-2"),
    ]

    @Test func noRandomSequenceActuatesUnsafely() {
        let checker = SafetyChecker(spec: Self.spec, maxRuntime: Self.maxRuntime)
        var failures: [String] = []
        var seen: [String: Int] = [:]
        for sequence in 0..<Self.sequences {
            let seed = UInt64(sequence) &* 0x9e37_79b9 &+ 17
            let (problems, emissions) = Self.run(seed: seed, spec: Self.spec, checker: checker)
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
            "ON", "ESTOP_OPEN", "DOOR_OPEN", "MAX_RUNTIME", "POWER_RESTORED", "TANK_LOW", "REARMED", "POE_LOST",
            "AC_LOST", "CONCURRENCY_CAP", "FAULT_LATCHED", "EXPIRED", "PROGRAM_COMPLETED", "BAD_PARAMETER:valve",
            "BAD_PARAMETER:idempotency_key", "BAD_PARAMETER:steps",
        ] {
            #expect(seen[situation, default: 0] > 0, "no sequence reached \(situation)")
        }
        print(
            "safety property: \(Self.sequences) sequences x \(Self.steps) steps; reached \(seen.sorted { $0.key < $1.key })"
        )
    }

    /// A random `valve:seconds` program, often naming one valve in consecutive steps.
    static func program(_ valves: [String], _ rng: inout SimRandom) -> String {
        var steps: [String] = []
        var valve = valves[Int(rng.next() % UInt64(valves.count))]
        for _ in 0..<(1 + Int(rng.next() % 4)) {
            if rng.next() % 2 == 0 { valve = valves[Int(rng.next() % UInt64(valves.count))] }
            steps.append("\(valve):\(1 + rng.next() % 200)")
        }
        return steps.joined(separator: ";")
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
        var rearms: [String: String] = [:]
        var usedKeys: [DeviceID: [String]] = [:]  // answered keys by controller: each remembers only its own
        for step in 0..<Self.steps {
            now = now + .milliseconds(Int64(1 + rng.next() % 120_000))
            emissions += site.advance(to: now)
            let target = Self.controllers[Int(rng.next() % UInt64(Self.controllers.count))]
            let controller = target.id
            let valves = target.valves
            let pick = rng.next() % 100
            let valve = valves[Int(rng.next() % UInt64(valves.count))]
            var parameters: [String: String] = ["valve": valve]
            var name = ControllerCommand.valveOpen
            var fault: DeviceFault?
            switch pick {
            case 0..<48:
                if rng.next() % 4 != 0 { parameters["duration_s"] = String(1 + rng.next() % 330) }
            case 48..<58: name = ControllerCommand.valveClose
            case 58..<65:
                parameters = ["steps": Self.program(valves, &rng)]
                name = ControllerCommand.programStart
            case 65..<66: name = ControllerCommand.programStop
            case 66..<80:
                name = ControllerCommand.rearm
                parameters = rng.next() % 5 == 0 ? [:] : ["authorizer": "lead"]
            default:
                let faults: [DeviceFault] = [
                    .estopOpen, .estopClosed, .estopClosed, .doorOpen, .doorClosed, .doorClosed, .poeLost,
                    .poeRestored, .acLost, .acRestored, .tankLow, .restore, .restore, .offline,
                ]
                fault = faults[Int(rng.next() % UInt64(faults.count))]
            }
            if let fault {
                var device = controller
                switch fault {
                case .tankLow: device = rng.next() % 4 == 0 ? controller : target.tank
                case .restore, .offline:
                    device = [controller, target.tank, valve][Int(rng.next() % 3)]
                default: break
                }
                inputs.append(
                    .init(at: now, controller: controller, fault: fault, device: device, position: emissions.count)
                )
                emissions += site.apply(fault, to: device, at: now)
                continue
            }
            let id = "cmd-\(step)"
            var key = id
            switch rng.next() % 20 {
            case 0: key = ""
            case 1, 2:
                let used = usedKeys[controller, default: []]
                key = used.isEmpty ? id : used[Int(rng.next() % UInt64(used.count))]
            default: break
            }
            let fresh = !key.isEmpty && !usedKeys[controller, default: []].contains(key)
            if name == ControllerCommand.rearm, fresh { rearms[id] = parameters["authorizer"] ?? "" }
            let toValve = name.hasPrefix("valve.") && rng.next() % 4 == 0
            if toValve {
                switch rng.next() % 3 {
                case 0: parameters["valve"] = nil
                case 1: parameters["valve"] = valves[Int(rng.next() % UInt64(valves.count))]  // maybe mismatched
                default: break
                }
            }
            let expiry = rng.next() % 10 == 0 ? now - .seconds(1) : now + .seconds(30)
            let command = SimCommand(
                id: id,
                idempotencyKey: key,
                device: toValve ? valve : controller,
                name: name,
                parameters: parameters,
                expireTime: expiry
            )
            let answer = site.receive(command, at: now)
            let answered = answer.contains {
                if case .ack(id, let stage, _) = $0.kind { stage != .received } else { false }
            }
            if fresh, answered { usedKeys[controller, default: []].append(key) }  // a dead or offline one heard nothing
            emissions += answer
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
            rearms: [:],
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
            rearms: [:],
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
            rearms: ["r1": "lead"],
            end: self.t0 + .seconds(10)
        )
        #expect(rearmed.isEmpty)
    }

    @Test func catchesTheConcurrencyCap() {
        let sevenStandard = (1...7).map { self.on("vlv-std-\($0)", self.t0) }
        #expect(
            self.checker.violations(inputs: [], emissions: sevenStandard, rearms: [:], end: self.t0 + .seconds(1))
                .contains { $0.contains("7 STD") }
        )
        let twoHigh = [self.on("vlv-hl-1", self.t0), self.on("vlv-hl-2", self.t0)]
        #expect(
            self.checker.violations(inputs: [], emissions: twoHigh, rearms: [:], end: self.t0 + .seconds(1))
                .contains { $0.contains("2 HL") }
        )
    }

    @Test func catchesAValvePastMaxRuntimeClosedOrNot() {
        let closedLate = [self.on("vlv-std-1", self.t0), self.on("vlv-std-1", self.t0 + .seconds(301), false)]
        #expect(
            !self.checker.violations(inputs: [], emissions: closedLate, rearms: [:], end: self.t0 + .seconds(400))
                .isEmpty
        )
        let neverClosed = [self.on("vlv-std-1", self.t0)]
        #expect(
            !self.checker.violations(inputs: [], emissions: neverClosed, rearms: [:], end: self.t0 + .seconds(400))
                .isEmpty
        )
        let reopenedAfterTrip = [
            self.on("vlv-std-1", self.t0), self.on("vlv-std-1", self.t0 + .seconds(300), false),
            self.on("vlv-std-2", self.t0 + .seconds(301)),
        ]
        #expect(
            self.checker.violations(inputs: [], emissions: reopenedAfterTrip, rearms: [:], end: self.t0 + .seconds(302))
                .contains { $0.contains("latched") }
        )
    }

    @Test func catchesAnOutputOnWithoutPower() {
        let found = self.checker.violations(
            inputs: [self.input(self.t0, .poeLost), self.input(self.t0, .acLost)],
            emissions: [self.on("pmp-1", self.t0 + .seconds(1))],
            rearms: [:],
            end: self.t0 + .seconds(2)
        )
        #expect(found.contains { $0.contains("without power") })
    }

    func violations(
        _ inputs: [SafetyChecker.Input],
        _ emissions: [Emission],
        rearms: [String: String] = [:]
    )
        -> [String]
    {
        self.checker.violations(inputs: inputs, emissions: emissions, rearms: rearms, end: self.t0 + .seconds(20))
    }

    @Test func catchesABlipWhileEstopIsOpen() {
        let blip = [self.on("vlv-std-1", self.t0 + .seconds(1)), self.on("vlv-std-1", self.t0 + .seconds(1), false)]
        #expect(self.violations([self.input(self.t0, .estopOpen)], blip).contains { $0.contains("E-STOP/door open") })
    }

    @Test func catchesAToggleAtASingleSupplyChange() {
        for fault in [DeviceFault.poeLost, .acLost] {
            let toggle = [
                self.on("vlv-std-1", self.t0), self.on("vlv-std-1", self.t0 + .seconds(5), false),
                self.on("vlv-std-1", self.t0 + .seconds(5)),
            ]
            let inputs = [
                SafetyChecker.Input(at: self.t0 + .seconds(5), controller: ModelsFixture.controller, fault: fault)
            ]
            #expect(self.violations(inputs, toggle).contains { $0.contains("single-supply") })
        }
        let restored = [
            SafetyChecker.Input(at: self.t0 + .seconds(1), controller: ModelsFixture.controller, fault: .acLost),
            SafetyChecker.Input(at: self.t0 + .seconds(5), controller: ModelsFixture.controller, fault: .acRestored),
        ]
        let blip = [self.on("vlv-std-1", self.t0 + .seconds(5)), self.on("vlv-std-1", self.t0 + .seconds(5), false)]
        #expect(self.violations(restored, blip).contains { $0.contains("single-supply") })
    }

    @Test func anInputAtItsPositionJudgesOnlyTheSwitchesAfterIt() {
        // A program step opened by a timer, then E-STOP at the same instant: the open came first and is safe.
        let emissions = [self.on("vlv-std-1", self.t0), self.on("vlv-std-1", self.t0, false)]
        let after = SafetyChecker.Input(
            at: self.t0,
            controller: ModelsFixture.controller,
            fault: .estopOpen,
            position: 1
        )
        #expect(self.violations([after], emissions).isEmpty)
        let before = SafetyChecker.Input(
            at: self.t0,
            controller: ModelsFixture.controller,
            fault: .estopOpen,
            position: 0
        )
        #expect(!self.violations([before], emissions).isEmpty)
    }

    @Test func catchesARedundantOnThatWouldRestartTheRuntimeCount() {
        let redundant = [
            self.on("vlv-std-1", self.t0), self.on("vlv-std-1", self.t0 + .seconds(200)),
            self.on("vlv-std-1", self.t0 + .seconds(250), false),
        ]
        #expect(self.violations([], redundant).contains { $0.contains("already on") })
    }

    @Test func countsASameInstantReopenAsContinuousRuntime() {
        let reopened = [
            self.on("vlv-std-1", self.t0), self.on("vlv-std-1", self.t0 + .seconds(200), false),
            self.on("vlv-std-1", self.t0 + .seconds(200)), self.on("vlv-std-1", self.t0 + .seconds(400), false),
        ]
        #expect(
            self.checker.violations(inputs: [], emissions: reopened, rearms: [:], end: self.t0 + .seconds(500))
                .contains { $0.contains("> max") }
        )
    }

    @Test func catchesAnOutputOnWhileTheTankIsLow() {
        let low = SafetyChecker.Input(
            at: self.t0,
            controller: ModelsFixture.controller,
            fault: .tankLow,
            device: ModelsFixture.tank
        )
        let emissions = [
            self.on("vlv-std-1", self.t0 + .seconds(1)), self.on("vlv-std-1", self.t0 + .seconds(2), false),
        ]
        #expect(self.violations([low], emissions).contains { $0.contains("tank low") })
        let restoredElsewhere = SafetyChecker.Input(
            at: self.t0 + .seconds(1),
            controller: ModelsFixture.controller,
            fault: .restore
        )
        #expect(self.violations([low, restoredElsewhere], emissions).contains { $0.contains("tank low") })
    }

    @Test func clearsALatchOnlyOnAReArmItJudgesValid() {
        let rearm = Emission(
            device: ModelsFixture.controller,
            at: self.t0 + .seconds(3),
            kind: .ack(commandID: "r1", stage: .executed, reason: "")
        )
        let opened = [
            rearm, self.on("vlv-std-1", self.t0 + .seconds(8)), self.on("vlv-std-1", self.t0 + .seconds(9), false),
        ]
        let doorStillOpen = [self.input(self.t0 + .seconds(1), .doorOpen)]
        #expect(self.violations(doorStillOpen, opened, rearms: ["r1": "lead"]).contains { $0.contains("re-arm r1") })
        #expect(
            !self.violations(doorStillOpen, opened, rearms: ["r1": "lead"]).filter { $0.contains("on with") }.isEmpty
        )
        let closed = doorStillOpen + [self.input(self.t0 + .seconds(2), .doorClosed)]
        #expect(self.violations(closed, opened, rearms: ["r1": ""]).contains { $0.contains("latched") })
        #expect(self.violations(closed, opened, rearms: [:]).contains { $0.contains("latched") })
        #expect(self.violations(closed, opened, rearms: ["r1": "lead"]).isEmpty)
    }
}
