import Edge
import Foundation
import Simulator
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The whole agent (`harvestry edge`) against the simulated inverter and a live platform: kill -9 mid-upload,
/// restart, a platform outage, and in the end every reading the spool took is stored exactly once.
@Suite struct EdgeAgentDeliveryTests {
    @Test func killNineMidUploadThenEveryReadingIsStoredOnce() async throws {
        try await EdgePlatform.with { platform in
            let device = try await platform.serve { try await platform.provisionInverter() }
            try await withSimulatedInverter { inverter in
                let directory = SpoolDirectory("agent-delivery")
                defer { directory.remove() }
                let config = { (healthPort: Int) throws -> String in
                    let path = directory.path + "/edge-\(healthPort).conf"
                    try """
                        [uplink]
                        target = \(platform.target)
                        tls = false
                        token = \(platform.token)
                        batch_size = 30

                        [spool]
                        directory = \(directory.path)/spool

                        [health]
                        listen = 127.0.0.1:\(healthPort)

                        [device inverter]
                        device_id = \(device)
                        host = 127.0.0.1
                        port = \(inverter.port)
                        registers = \(EdgePlatform.inverterStreams.map(\.key).joined(separator: ", "))
                        poll_interval = 300ms
                        request_gap = 30ms
                        response_timeout = 500ms
                        """.write(toFile: path, atomically: true, encoding: .utf8)
                    return path
                }
                let firstPort = try EdgeCommandTests.freeLoopbackPort()
                let secondPort = try EdgeCommandTests.freeLoopbackPort()
                let firstConfig = try config(firstPort)
                let secondConfig = try config(secondPort)
                let (killedHadSpooled, agent) = try await platform.serve { () async throws -> (Int, ChildProcess) in
                    // First agent: polling and uploading; killed mid-stream.
                    let first = try ChildProcess(SpoolCrashTests.harvestry, ["edge", "--config", firstConfig])
                    let uploading = try await Self.waitForMetrics(firstPort) { $0.accepted >= 9 && $0.polled >= 18 }
                    #expect(uploading != nil, "the first agent did not upload: \(first.output.suffix(800))")
                    let killedHadSpooled = uploading?.polled ?? 0
                    kill(first.processIdentifier, SIGKILL)
                    _ = await first.waitForExit(timeout: .seconds(30))

                    // Second agent over the same spool: resends what was not acknowledged, goes on polling.
                    let restarted = try ChildProcess(SpoolCrashTests.harvestry, ["edge", "--config", secondConfig])
                    let resumed = try await Self.waitForMetrics(secondPort) { $0.accepted >= 9 }
                    #expect(resumed != nil, "the restarted agent did not upload: \(restarted.output.suffix(800))")
                    return (killedHadSpooled, restarted)
                }
                // The platform is down: the second agent keeps spooling, then stops on SIGTERM.
                let before = try await Self.waitForMetrics(secondPort) { _ in true }?.polled ?? 0
                let spooling = try await Self.waitForMetrics(secondPort) { $0.polled >= before + 9 }
                #expect(spooling != nil, "the agent stopped polling during the outage")
                #expect(await agent.stop() == 0, "\(agent.output.suffix(800))")

                // Every reading the spool ever took is numbered; what is left unsent names the last number.
                let spool = try await FileSpool.open(
                    SpoolConfiguration(directory: directory.path + "/spool"),
                    logger: edgeTestLogger
                )
                let unsent = try #require(try await spool.oldestBatch(limit: 1_000_000))
                let spooled = Int(unsent.lastSequence)
                #expect(spooled >= killedHadSpooled + 9)
                try await platform.serve {
                    let uploader = try await UplinkDeliveryTests.uploader(spool, platform)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await uploader.run() }
                        let drained = try await UplinkDeliveryTests.drained(spool)
                        #expect(drained, "the rest did not drain")
                        group.cancelAll()
                    }
                }
                let stored = try await platform.storedReadings()
                #expect(stored.rows == spooled, "\(stored.rows) rows stored for \(spooled) readings spooled")
                // A poll is one append: each stored instant has all three streams.
                let instants = Dictionary(grouping: stored.readings) { $0.split(separator: "@")[1].split(separator: "=")[0] }
                #expect(instants.values.allSatisfy { $0.count == EdgePlatform.inverterStreams.count })
            }
        }
    }

    struct AgentMetrics {
        var polled: Int
        var accepted: Int
    }

    /// Polls the agent's /metrics (every 200 ms, at most 60 s) until `condition` holds; nil if it never did.
    static func waitForMetrics(_ port: Int, _ condition: (AgentMetrics) -> Bool) async throws -> AgentMetrics? {
        for _ in 0..<300 {
            if let body = try? await EdgeHealthServerTests.get(port, "/metrics").body {
                let metrics = AgentMetrics(
                    polled: Self.value(body, "harvestry_edge_poll_readings_total{device=\"inverter\"}"),
                    accepted: Self.value(body, "harvestry_edge_uplink_accepted_readings_total")
                )
                if condition(metrics) { return metrics }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        return nil
    }

    static func value(_ body: String, _ sample: String) -> Int {
        let line = body.split(separator: "\n").first { $0.hasPrefix(sample + " ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }.map { Int($0) } ?? 0
    }
}
