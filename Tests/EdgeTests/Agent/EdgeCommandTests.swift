import Edge
import Foundation
import Simulator
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `harvestry edge` as a process: the config file checked, and the agent polling the simulated inverter into its
/// spool while the platform is unreachable, with /healthz and /metrics showing it, then stopping on SIGTERM.
@Suite struct EdgeCommandTests {
    @Test func checkConfigNamesTheFileLineAndField() async throws {
        let directory = SpoolDirectory("check-config")
        defer { directory.remove() }
        let path = directory.path + "/edge.conf"
        try "[uplink]\ntarget = 127.0.0.1:1\ntls = false\ntoken = t\n[spool]\ndirectory = \(directory.path)/spool\nmax_bytes = tiny\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await ChildProcess(SpoolCrashTests.harvestry, ["edge", "--config", path, "--check-config"])
            .result(timeout: .seconds(60))
        #expect(result.status != 0)
        #expect(result.output.contains("\(path):7: max_bytes"), "\(result.output)")
    }

    @Test func theAgentSpoolsWhatItPollsWhileThePlatformIsDown() async throws {
        try await withSimulatedInverter { inverter in
            let directory = SpoolDirectory("agent")
            defer { directory.remove() }
            let healthPort = try Self.freeLoopbackPort()
            let path = directory.path + "/edge.conf"
            try """
                [uplink]
                target = 127.0.0.1:1
                tls = false
                token = test-token

                [spool]
                directory = \(directory.path)/spool

                [health]
                listen = 127.0.0.1:\(healthPort)

                [device inverter]
                device_id = \(testDeviceID)
                host = 127.0.0.1
                port = \(inverter.port)
                registers = total_dc_power, total_active_power, battery_level
                poll_interval = 300ms
                request_gap = 30ms
                response_timeout = 500ms
                """.write(toFile: path, atomically: true, encoding: .utf8)
            let agent = try ChildProcess(SpoolCrashTests.harvestry, ["edge", "--config", path])
            var depth = 0
            for _ in 0..<120 where depth == 0 {
                try await Task.sleep(for: .milliseconds(250))
                guard let health = try? await EdgeHealthServerTests.get(healthPort, "/healthz") else { continue }
                depth = Self.spoolDepth(health.body)
            }
            #expect(depth > 0, "the spool stayed empty: \(agent.output.suffix(800))")
            let metrics = try await EdgeHealthServerTests.get(healthPort, "/metrics").body
            #expect(metrics.contains("harvestry_edge_poll_readings_total{device=\"inverter\"}"), "\(metrics.prefix(1500))")
            #expect(metrics.contains("harvestry_edge_spool_"))
            #expect(await agent.stop() == 0, "\(agent.output.suffix(800))")

            let spool = try await FileSpool.open(SpoolConfiguration(directory: directory.path + "/spool"), logger: edgeTestLogger)
            let batch = try #require(try await spool.oldestBatch(limit: 10_000))
            #expect(batch.readings.allSatisfy { $0.deviceId.lowercased() == testDeviceID.uuidString.lowercased() })
            #expect(Set(batch.readings.map(\.stream)).isSubset(of: ["total_dc_power", "total_active_power", "battery_level"]))
            #expect(batch.readings.count >= 3)
        }
    }

    /// `spool.depth` of a /healthz body (0 when absent).
    static func spoolDepth(_ body: String) -> Int {
        let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        return ((json?["spool"] as? [String: Any])?["depth"] as? Int) ?? 0
    }

    /// A port nothing listens on now (bound to 0, read back, closed).
    static func freeLoopbackPort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(socket, pointer, length) == 0 && getsockname(socket, pointer, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
