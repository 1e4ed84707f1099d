import Foundation
import Testing

@testable import Simulator

@Suite("Fault proxy back-pressure")
struct FaultProxyBackPressureTests {
    /// A client that does not read: the proxy stops reading the server (its own state says so) while holding a
    /// bounded amount, and reading again lets the server go on.
    @Test func aClientThatDoesNotReadStallsTheServerInsteadOfFillingTheProxy() async throws {
        let flood = try await ProxyFloodUpstream.start()
        let proxy = FaultProxy(
            .init(name: "slow-reader", upstreamPort: flood.port),
            group: ProxyFixture.loops,
            logger: ProxyFixture.logger
        )
        let port = try await proxy.start()
        let client = try await ProxyTestClient.connect(port: port, reading: false)
        var paused: FlowStatus?
        for _ in 0..<150 where paused == nil {
            paused = try await proxy.flowStatus().values.compactMap { $0[.downstream] }.first { $0.readingPaused }
            if paused == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let status = try #require(paused, "the proxy kept reading the server while its client did not read")
        #expect(status.heldBytes <= FlowPump.pauseAbove + (1 << 20))
        let stalled = flood.writtenBytes
        #expect(stalled < 64 << 20)
        try await client.startReading()
        #expect(await client.waitForBytes(stalled, timeout: .seconds(30)))
        await ProxyFixture.expectEventually(timeout: .seconds(30)) { flood.writtenBytes > stalled }
        await client.close()
        await proxy.stop()
        await flood.stop()
    }
}
