import Foundation
import Simulator
import TestSupport
import Testing

/// `harvestry sim fault` (the built binary, a gRPC client) against a live SimulatorService.
@Suite struct FaultCommandTests {
    static let executable = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug/harvestry")

    /// Runs the binary to its end (at most 60 s); returns its exit status and output.
    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let result = await (try ChildProcess(Self.executable, arguments)).result(timeout: .seconds(60))
        if result.timedOut { throw CommandTimeout() }
        return (result.status, result.output)
    }

    struct CommandTimeout: Error {}

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: Self.executable.path)))
    func injectListAndClearFromTheCommandLine() async throws {
        try await SimulatorServiceFixture.with { fixture in
            let server = try #require(fixture.address)
            let injected = try await Self.run([
                "sim", "fault", "inject", "--server", server, "--device", "ctl-1", "estop-open", "--for", "30s", "--actor",
                "cli-test",
            ])
            #expect(injected.status == 0, "\(injected.output)")
            #expect(
                injected.output.hasPrefix("simulator/faults/1\tactive\testop-open on devices/ctl-1 for 30.0 seconds")
            )
            #expect(fixture.site.withSimulation { $0.controllers[0].estopOpen })

            let listed = try await Self.run(["sim", "fault", "list", "--server", server, "--active"])
            #expect(listed.output.contains("by cli-test"), "\(listed.output)")

            let cleared = try await Self.run(["sim", "fault", "clear", "--server", server, "1"])
            #expect(cleared.output.hasPrefix("simulator/faults/1\tcleared"), "\(cleared.output)")
            #expect(!fixture.site.withSimulation { $0.controllers[0].estopOpen })

            let refused = try await Self.run([
                "sim", "fault", "inject", "--server", server, "--device", "clim-1", "noise", "--stream", "co2",
            ])
            #expect(refused.status != 0)
            #expect(refused.output.contains("fault.sensor.sigma"), "\(refused.output)")
        }
    }
}
