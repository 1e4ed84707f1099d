import Testing

@testable import Simulator

@Suite("Fault proxy determinism")
struct ProxyDeterminismTests {
    /// One connection's jitter does not depend on other connections' chunks arriving in between. Before the fix
    /// every draw came from one generator shared in chunk-arrival order.
    @Test func aConnectionsJitterIgnoresOtherConnections() throws {
        let latency = Toxic(.latency(.milliseconds(100), jitter: .milliseconds(80)))
        var alone = try ChunkPlanningTests.table(latency)
        var shared = try ChunkPlanningTests.table(latency)
        var aloneState = ProxyFlowState()
        var sharedState = ProxyFlowState()
        var otherState = ProxyFlowState()
        var aloneReleases: [Duration] = []
        var sharedReleases: [Duration] = []
        for step in 0..<50 {
            let now = Duration.seconds(step)
            aloneReleases += alone.plan(size: 10, flow: .upstream, connection: 2, now: now, state: &aloneState)
                .pieces.map(\.release)
            _ = shared.plan(size: 10, flow: .upstream, connection: 1, now: now, state: &otherState)
            sharedReleases += shared.plan(size: 10, flow: .upstream, connection: 2, now: now, state: &sharedState)
                .pieces.map(\.release)
        }
        #expect(aloneReleases == sharedReleases)
        #expect(Set(aloneReleases.enumerated().map { $0.element - .seconds($0.offset) }).count > 1)
    }
}
