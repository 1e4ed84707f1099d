import Bus
import Foundation
import Testing

/// Two `harvestry sim run` of one site on one broker (the built binary): the same instance on the same spool
/// directory is refused at start; another instance runs beside the first without taking over its MQTT sessions
/// (with the same client ids each would drop the other's connections: "lost the MQTT broker; reconnecting").
@Suite struct SimRunInstanceTests {
    static let lostBroker = "lost the MQTT broker"

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: FaultCommandTests.executable.path)))
    func aSecondInstanceRunsBesideTheFirstAndTheSameOneIsRefused() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sim-run-instances-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let broker = EmbeddedMosquitto(configuration: .init(dataDirectory: directory.appendingPathComponent("mq").path))
        let url = try await broker.start()
        do {
            try await Self.check(directory: directory, brokerURL: url)
            await broker.stop()
        } catch {
            await broker.stop()
            throw error
        }
    }

    static func check(directory: URL, brokerURL: String) async throws {
        let spool = directory.appendingPathComponent("spool").path
        let common = ["sim", "run", "--pilot", "--grpc-port", "0", "--spool-dir", spool, "--mqtt-url", brokerURL]
        // 10x real time for 600 simulated seconds: a minute at most, interrupted once the others are done.
        let first = Process()
        first.executableURL = FaultCommandTests.executable
        first.arguments = common + ["--speed", "10", "--duration", "600s"]
        let firstOutput = directory.appendingPathComponent("first.txt")
        FileManager.default.createFile(atPath: firstOutput.path, contents: nil)
        let handle = try FileHandle(forWritingTo: firstOutput)
        first.standardOutput = handle
        first.standardError = handle
        try first.run()
        defer { if first.isRunning { first.terminate() } }
        func firstText() -> String { (try? String(contentsOf: firstOutput, encoding: .utf8)) ?? "" }
        for _ in 0..<600 where !firstText().contains("simulation starting") && first.isRunning {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(firstText().contains("simulation starting"), "\(firstText().suffix(2000))")

        let same = try await FaultCommandTests.run(common + ["--duration", "5s"])
        #expect(same.status != 0, "a second run of instance 1 on the same spool directory started")
        #expect(same.output.contains("--instance 1") && same.output.contains("--spool-dir \(spool)"), "\(same.output)")

        let other = try await FaultCommandTests.run(common + ["--instance", "2", "--speed", "10", "--duration", "40s"])
        #expect(other.status == 0, "\(other.output.suffix(2000))")
        #expect(other.output.contains("failed 0"), "\(other.output.suffix(2000))")
        #expect(!other.output.contains(Self.lostBroker), "\(other.output.suffix(2000))")
        #expect(first.isRunning, "the first run ended early: \(firstText().suffix(2000))")

        first.interrupt()
        for _ in 0..<600 where first.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!first.isRunning)
        try handle.close()
        #expect(!firstText().contains(Self.lostBroker), "\(firstText().suffix(2000))")
        #expect(firstText().contains("failed 0"), "\(firstText().suffix(2000))")
    }
}
