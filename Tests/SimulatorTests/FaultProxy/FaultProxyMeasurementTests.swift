import Foundation
import Simulator
import Testing

/// Prints what the proxy costs without toxics (echo round trip, direct vs through the proxy). Measures, asserts only
/// that every byte came back: no timing SLA.
@Suite("Fault proxy measurement", .serialized)
struct FaultProxyMeasurementTests {
    static let total = 16 << 20
    static let block = 64 << 10

    @Test func echoThroughputDirectAndThroughTheProxy() async throws {
        try await ProxyFixture.withProxy(loops: ProxyFixture.measurementLoops) { proxy, upstream, port in
            let direct = try await Self.echo(port: upstream.port)
            let proxied = try await Self.echo(port: port)
            let mib = Double(Self.total) / 1_048_576
            print(
                "fault proxy echo of \(Int(mib)) MiB: direct \(Self.rate(mib, direct)) MiB/s,"
                    + " through the proxy \(Self.rate(mib, proxied)) MiB/s"
            )
            #expect(proxy.records.isEmpty)
        }
    }

    static func echo(port: Int) async throws -> Duration {
        let client = try await ProxyTestClient.connect(port: port, group: ProxyFixture.measurementLoops)
        let start = ContinuousClock.now
        for offset in stride(from: 0, to: Self.total, by: Self.block) {
            try await client.send(ProxyFixture.bytes(Self.block, seed: UInt8(truncatingIfNeeded: offset >> 16)))
        }
        let complete = await client.waitForBytes(Self.total, timeout: .seconds(120))
        let elapsed = ContinuousClock.now - start
        #expect(complete)
        #expect(client.receivedCount == Self.total)
        await client.close()
        return elapsed
    }

    static func rate(_ mib: Double, _ elapsed: Duration) -> String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return String(format: "%.0f", mib / seconds)
    }
}
