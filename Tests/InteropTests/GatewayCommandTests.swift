import API
import CoreTransport
import Foundation
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf
import TestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The JSON gateway in the real binary: beside the services in `harvestry serve`, and alone with
/// `harvestry gateway --upstream ADDR` over the C-core transport.
@Suite("harvestry serve and gateway over HTTP")
struct GatewayCommandTests {
    /// Starts `harvestry <arguments>` and reads its log (stderr) until every marker has appeared (at most 120 s);
    /// returns the process and the log text so far.
    static func start(
        _ arguments: [String],
        environment: [String: String?] = [:],
        until markers: [String]
    ) async throws -> (ChildProcess, String) {
        let process = try ChildProcess(
            ServeCommandTests.executable,
            arguments,
            environment: environment,
            capture: .standardError
        )
        return (process, await process.waitForOutput(containing: markers, timeout: .seconds(120)))
    }

    /// The value of `key=` on the log line containing `marker`.
    static func logValue(_ key: String, on marker: String, in text: String) -> String? {
        guard let line = text.split(separator: "\n").first(where: { $0.contains(marker) }) else { return nil }
        return line.split(separator: " ").first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }

    static func post(port: String, path: String, body: String) async throws -> (Int, String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    @Test("serve runs the gateway beside gRPC; gateway --upstream runs it alone")
    func serveAndGateway() async throws {
        // Its own data directory, not ./.harvestry of whoever runs the tests (every ancestor must be traversable by
        // the postgres user when the tests run as root).
        let dataDir = "/tmp/harvestry-gateway-serve-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        chmod(dataDir, 0o755)
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let (server, serverLog) = try await Self.start(
            ["serve", "--port", "0", "--http-port", "0", "--grace-period-seconds", "1", "--data-dir", dataDir],
            until: ["gRPC server listening", "JSON gateway listening"]
        )
        let address = try #require(Self.logValue("address", on: "gRPC server listening", in: serverLog))
        let inProcessPort = try #require(Self.logValue("port", on: "JSON gateway listening", in: serverLog))
        // The process's swift-metrics beside the gateway's: the MQTT consumer connects to the embedded broker.
        var metrics = ""
        for _ in 0..<100 where !metrics.contains("harvestry_mqtt_connected 1") {
            let session = URLSession(configuration: .ephemeral)
            defer { session.finishTasksAndInvalidate() }
            let (data, _) = try await session.data(from: URL(string: "http://127.0.0.1:\(inProcessPort)/metrics")!)
            metrics = String(decoding: data, as: UTF8.self)
            if !metrics.contains("harvestry_mqtt_connected 1") { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(metrics.contains("harvestry_mqtt_connected 1"), "\(metrics)")
        #expect(metrics.contains("harvestry_mqtt_messages_received_total{channel=\"telemetry\"} 0"), "\(metrics)")

        let (status, body) = try await Self.post(
            port: inProcessPort,
            path: "/v1/echo:echo",
            body: #"{"text":"in process"}"#
        )
        #expect(status == 200)
        #expect(body == #"{"text":"in process"}"#)

        // Reflection lists the served services, not the test-only ones generated beside them.
        let listed = try await withGRPCClient(transport: try CoreClientTransport(target: address)) { client in
            try await Grpc_Reflection_V1_ServerReflection.Client(wrapping: client).serverReflectionInfo(
                request: StreamingClientRequest { writer in try await writer.write(.with { $0.listServices = "" }) }
            ) { response in
                var names: [String] = []
                for try await message in response.messages {
                    names = message.listServicesResponse.service.map(\.name)
                    break
                }
                return names
            }
        }
        #expect(listed.contains("harvestry.echo.v1.EchoService"))
        #expect(!listed.contains { $0.hasPrefix("harvestry.testing.") })

        let (gateway, gatewayLog) = try await Self.start(
            ["gateway", "--upstream", address, "--http-port", "0"],
            until: ["JSON gateway listening"]
        )
        let remotePort = try #require(Self.logValue("port", on: "JSON gateway listening", in: gatewayLog))
        let (remoteStatus, remoteBody) = try await Self.post(
            port: remotePort,
            path: "/v1/echo:echo",
            body: #"{"text":"remote"}"#
        )
        #expect(remoteStatus == 200)
        #expect(remoteBody == #"{"text":"remote"}"#)
        let (failStatus, failBody) = try await Self.post(
            port: remotePort,
            path: "/v1/echo:echo",
            body: #"{"text":"fail"}"#
        )
        #expect(failStatus == 400)
        #expect(failBody.contains(#""status":"INVALID_ARGUMENT""#))

        #expect(await gateway.stop() == 0)
        #expect(await server.stop() == 0)
    }

    @Test("a bad --http-port is refused naming the flag; gateway without --upstream is refused")
    func flags() async throws {
        let result = try await Peer.run([
            ServeCommandTests.executable.path, "serve", "--port", "0", "--http-port", "70000",
        ])
        #expect(result.status != 0)
        #expect(result.output.contains("--http-port"))
        let missing = try await Peer.run([ServeCommandTests.executable.path, "gateway"])
        #expect(missing.status != 0)
        #expect(missing.output.contains("--upstream"))
    }
}
