import Testing

@testable import Simulator

@Suite struct FaultInjectorBrokerTests {
    static func injector(_ broker: RecordingBrokerTarget, _ sink: FaultLogSink) -> FaultInjector {
        FaultInjector(targets: .init(broker: broker), clock: { ModelsFixture.start }, log: { sink.write($0) })
    }

    @Test func killIsUndoneByStartingAndRestartIsMomentary() async throws {
        let broker = RecordingBrokerTarget()
        let sink = FaultLogSink()
        let injector = Self.injector(broker, sink)
        let restart = try await injector.inject(FaultRequest(target: .broker, effect: .broker(.restart)), by: "t")
        #expect(restart.state == .done)
        let kill = try await injector.inject(FaultRequest(target: .broker, effect: .broker(.kill)), by: "t")
        #expect(broker.log == ["kill", "start", "kill"])
        _ = try await injector.clear(id: kill.id, by: "t")
        #expect(broker.log == ["kill", "start", "kill", "start"])
        #expect(sink.all.map(\.what) == ["broker-restart", "broker-kill", "broker-kill"])
    }

    @Test func aFailedUndoIsLogged() async throws {
        let broker = RecordingBrokerTarget(failStart: true)
        let sink = FaultLogSink()
        let injector = Self.injector(broker, sink)
        let kill = try await injector.inject(FaultRequest(target: .broker, effect: .broker(.kill)), by: "t")
        let cleared = try await injector.clear(id: kill.id, by: "t")
        #expect(cleared.state == .cleared)
        #expect(sink.all.last?.detail.hasSuffix("; starting the broker failed: port in use") == true)
    }
}
