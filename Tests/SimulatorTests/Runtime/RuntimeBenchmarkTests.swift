import Bus
import Foundation
import Simulator
import Testing

/// The runtime benchmark with the test-only TestTickingSite (the product's `harvestry bench sim` needs the real
/// site simulation). Opt-in, it measures rather than asserts: HARVESTRY_SIM_BENCH_DEVICES=10000
/// [HARVESTRY_SIM_BENCH_SECONDS=30] [HARVESTRY_SIM_BENCH_CPU=1] [HARVESTRY_SIM_BENCH_LANES=4] swift test --skip-build --filter RuntimeBenchmarkTests
@Suite struct RuntimeBenchmarkTests {
    static let environment = ProcessInfo.processInfo.environment
    static let devices = Int(environment["HARVESTRY_SIM_BENCH_DEVICES"] ?? "")

    @Test(.enabled(if: Self.devices != nil, "set HARVESTRY_SIM_BENCH_DEVICES to run"))
    func benchmark() async throws {
        let devices = try #require(Self.devices)
        let seconds = Int64(Self.environment["HARVESTRY_SIM_BENCH_SECONDS"] ?? "") ?? 30
        let start = SimInstant(nanosecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1e9))
        try await RuntimeFixture.withBroker { broker, directory in
            if let cpu = Int(Self.environment["HARVESTRY_SIM_BENCH_CPU"] ?? "") {
                #expect(ProcessMeasures.pinToCPU(cpu))
            }
            let port = try #require(await broker.port)
            let rows = try await SimBenchmark.measure(
                spec: TestTickingSite.spec(site: "bench", sensors: devices),
                simulation: TestTickingSite(site: "bench", sensors: devices, start: start),
                configuration: RuntimeConfiguration(
                    broker: MQTTEndpoint(host: "127.0.0.1", port: port),
                    lanesPerConnection: Int(Self.environment["HARVESTRY_SIM_BENCH_LANES"] ?? "") ?? 4,
                    start: start,
                    duration: .seconds(seconds),
                    spoolDirectory: directory + "/spool"
                ),
                logger: RuntimeFixture.logger
            )
            print(SimBenchmark.table(rows))
            #expect(rows[0].messages > 0)
        }
    }
}
