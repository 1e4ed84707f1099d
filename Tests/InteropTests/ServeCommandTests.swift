import API
import CoreTransport
import Foundation
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf
import Testing

/// The `harvestry serve` process itself: it starts, answers health checks, and drains on SIGTERM.
@Suite("harvestry serve as a process")
struct ServeCommandTests {
    /// The CLI built next to the test bundle (`swift build --build-tests` builds every product).
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("harvestry")
    }

    @Test("serves Health, exits 0 on SIGTERM")
    func servesAndDrains() async throws {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = ["serve", "--port", "0", "--http-port", "0", "--grace-period-seconds", "2"]
        let logs = Pipe()
        process.standardError = logs
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        // The address is in the "listening" log line.
        var text = ""
        while !text.contains("gRPC server listening") {
            let chunk = logs.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        let address = try #require(
            text.split(separator: " ").first { $0.hasPrefix("address=") }.map { String($0.dropFirst("address=".count)) }
        )

        try await withGRPCClient(transport: try CoreClientTransport(target: address)) { client in
            let health = Grpc_Health_V1_Health.Client(wrapping: client)
            let overall = try await health.check(.with { $0.service = "" })
            #expect(overall.status == .serving)
            let echo = try await health.check(.with { $0.service = "harvestry.echo.v1.EchoService" })
            #expect(echo.status == .serving)
        }

        process.terminate()
        for _ in 0..<500 where process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 0)
    }

    @Test("a bad flag exits non-zero naming the flag")
    func badFlag() async throws {
        let result = try await Peer.run([Self.executable.path, "serve", "--port", "99999"])
        #expect(result.status != 0)
        #expect(result.output.contains("--port"))
    }
}
