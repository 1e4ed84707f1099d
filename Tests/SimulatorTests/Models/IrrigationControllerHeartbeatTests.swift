import Testing

@testable import Simulator

/// The controller's state heartbeat: the full state again every `ControllerConfig.stateInterval` even when nothing
/// changed, timed at its emission, scheduled through `nextDue`; none while unpowered.
@Suite struct IrrigationControllerHeartbeatTests {
    /// The controller's own full states (not its valves'), with their times.
    static func controllerStates(_ h: ControllerHarness, since mark: Int = 0) -> [Emission] {
        h.emitted[mark...].filter { emission in
            guard emission.device == ModelsFixture.controller, case .state(_, let properties) = emission.kind else {
                return false
            }
            return properties["estop"] != nil
        }
    }

    static func gapsInSeconds(_ states: [Emission]) -> [Int64] {
        zip(states, states.dropFirst()).map {
            ($1.at.nanosecondsSinceEpoch - $0.at.nanosecondsSinceEpoch) / 1_000_000_000
        }
    }

    @Test func aControllerLeftAloneForTwoMinutesPublishesItsStateAtLeastEveryFifteenSeconds() {
        var h = ControllerHarness()
        h.advance(by: .seconds(120))
        let states = Self.controllerStates(h)
        #expect(states.first?.at == ModelsFixture.start)
        #expect(states.last?.at == h.now)
        #expect(states.count == 9)  // 0, 15, ..., 120 s
        #expect(Self.gapsInSeconds(states).allSatisfy { $0 == 15 })
        #expect(Set(states.map(\.kind)).count == 1)  // the same state, only its time moves
        #expect(h.controller.nextDue == h.now + .seconds(15))
    }

    @Test func theHeartbeatCountsFromTheLastStatePublished() {
        var h = ControllerHarness()
        h.advance(by: .seconds(10))
        let mark = h.emitted.count
        #expect(h.open("vlv-std-1", seconds: 100) == (.executed, ""))
        h.advance(by: .seconds(40))
        let start = ModelsFixture.start.nanosecondsSinceEpoch
        let times = Self.controllerStates(h, since: mark).map { ($0.at.nanosecondsSinceEpoch - start) / 1_000_000_000 }
        #expect(times == [10, 25, 40])  // the open's state, then every 15 s from it
    }

    @Test func anUnpoweredControllerPublishesNoHeartbeatAndResumesAtBoot() {
        var h = ControllerHarness()
        h.input { $0.setPoE(false, at: $1, into: &$2) }
        h.input { $0.setAC(false, at: $1, into: &$2) }
        let mark = h.emitted.count
        h.advance(by: .seconds(120))
        #expect(h.emitted.count == mark)
        h.input { $0.setAC(true, at: $1, into: &$2) }
        h.advance(by: .seconds(30))
        let states = Self.controllerStates(h, since: mark)
        #expect(states.count == 3)  // at boot, +15 s, +30 s
        #expect(Self.gapsInSeconds(states).allSatisfy { $0 == 15 })
    }

    @Test func aZeroIntervalPublishesOnlyOnChange() {
        var config = ModelsFixture.config()
        config.stateInterval = .zero
        var h = ControllerHarness(config: config)
        h.advance(by: .seconds(120))
        #expect(Self.controllerStates(h).count == 1)
    }
}
