import Domain
import Foundation
import Testing

/// The pure parts wired together the way the orchestrator will: run actions become device commands, commands go
/// through their lifecycle, settled commands feed the run. No I/O: the "device" is a closure over a valve map.
struct FlowDriver {
    var run: IrrigationRun
    var book = CommandBook()
    var valvesOpen: Set<UUID> = []
    var published: [String] = []
    var now = Fixture.now
    /// Zones whose device never answers.
    var deaf: Set<UUID> = []

    mutating func apply(_ actions: [RunAction]) throws {
        var queue = actions
        while !queue.isEmpty {
            let action = queue.removeFirst()
            guard case .command(let valveAction, let zoneID, let key) = action else { continue }
            var command = DeviceCommand(
                deviceID: Fixture.id(1_000),
                zoneID: zoneID,
                action: valveAction,
                idempotencyKey: key,
                createdAt: self.now,
                expiresAt: self.now.addingTimeInterval(30),
                ackTimeout: 5,
                maxAttempts: 2
            )
            guard case .publish(_, let publishedKey, _) = try command.send(now: self.now) else { continue }
            self.published.append(publishedKey)
            self.book.insert(command)
            if self.deaf.contains(zoneID) {
                while !(self.book[command.id]?.status.isFinished ?? true) {
                    self.now = self.now.addingTimeInterval(5)
                    var retried = self.book[command.id]!
                    if case .publish(_, let again, _) = try retried.ackDeadlinePassed(now: self.now) {
                        self.published.append(again)
                    }
                    self.book.insert(retried)
                }
            } else {
                if valveAction == .open { self.valvesOpen.insert(zoneID) } else { self.valvesOpen.remove(zoneID) }
                _ = self.book.acknowledge(command.id, .executed, now: self.now)
            }
            let status = self.book[command.id]!.status
            queue += self.run.commandSettled(zoneID: zoneID, action: valveAction, status: status, at: self.now)
        }
    }
}

@Suite("Irrigation flow: evaluator, run and commands together")
struct IrrigationFlowTests {
    func driver() -> FlowDriver {
        FlowDriver(
            run: IrrigationRun(
                id: Fixture.id(500),
                program: RunProgressTests.program,
                requestedBy: nil,
                requestedAt: Fixture.now,
                manualApproval: false
            )
        )
    }

    func watch(_ run: IrrigationRun) -> RunWatch {
        RunWatch(runID: run.id, startedAt: run.startedAt!, maxRuntime: 600, zones: run.zones)
    }

    @Test("E-STOP mid-run: every valve closes, the fault latches, and re-arming opens nothing")
    func eStopMidRun() throws {
        var flow = driver()
        let evaluator = Fixture.evaluator
        let start = evaluator.mayStart(StartRequest(valves: [Fixture.std(1)]), in: Fixture.healthy())
        try flow.apply(try flow.run.startStep(start, at: flow.now))
        #expect(flow.valvesOpen == [Fixture.id(1)])

        flow.now = flow.now.addingTimeInterval(20)
        var snapshot = Fixture.healthy(at: flow.now)
        snapshot.eStop = Timed(.open, at: flow.now)
        snapshot.openValves = [OpenValve(zoneID: Fixture.id(1), loadClass: .standard, openSince: Fixture.now)]
        let decision = evaluator.duringRun(watch(flow.run), in: snapshot)
        guard case .shutOff(_, _, var lockouts) = decision else {
            Issue.record("expected a shut-off, got \(decision)")
            return
        }
        try flow.apply(flow.run.interlock(decision, at: flow.now))
        #expect(flow.valvesOpen.isEmpty)
        #expect(flow.run.status == .aborted)
        #expect(flow.run.abortCause == .interlock(.eStopOpen))

        let publishedBefore = flow.published
        var rearm = Fixture.healthy(at: flow.now.addingTimeInterval(60))
        rearm.lockouts = lockouts
        try Fixture.rearmEStop(&lockouts, in: rearm)
        #expect(lockouts.isEmpty)
        #expect(throws: DomainError.self) { try flow.run.startStep(.allowed, at: rearm.now) }
        #expect(flow.published == publishedBefore, "re-arming published a command")
        #expect(flow.valvesOpen.isEmpty)
    }

    @Test("a deaf valve during the abort: retried with its key, then compensated, run still ends")
    func deafValve() throws {
        var flow = driver()
        try flow.apply(try flow.run.startStep(.allowed, at: flow.now))
        flow.deaf = [Fixture.id(1)]
        flow.now = flow.now.addingTimeInterval(10)
        let actions = try flow.run.abort(by: Fixture.id(10), reason: "leak", at: flow.now)
        try flow.apply(actions)
        let zone1 = Fixture.id(1).uuidString.lowercased()
        let key = "\(Fixture.id(500).uuidString.lowercased())/abort/\(zone1)/close/1"
        #expect(flow.published.filter { $0 == key }.count == 2, "the retry must reuse the key")
        #expect(flow.run.status == .aborted)
        #expect(flow.run.unconfirmedZones == [Fixture.id(1)])
    }

    @Test("a whole program runs through to Completed with every valve closed at the end")
    func completes() throws {
        var flow = driver()
        try flow.apply(try flow.run.startStep(.allowed, at: flow.now))
        for _ in 0..<2 {
            flow.now = flow.now.addingTimeInterval(60)
            try flow.apply(try flow.run.stepFinished(at: flow.now))
            if flow.run.status == .running {
                try flow.apply(try flow.run.startStep(.allowed, at: flow.now))
            }
        }
        #expect(flow.run.status == .completed)
        #expect(flow.valvesOpen.isEmpty)
        #expect(flow.published.count == 4)
    }
}
