import API
import Bus
import CoreTransport
import Foundation
import GRPCCore
import GRPCProtobuf
import Simulator
import SwiftProtobuf
import Testing

/// `harvestry sim run` (the built binary, its embedded broker) serving fault injection: faults injected over gRPC
/// reach the running simulation and the broker, and land in the ground truth.
@Suite struct SimRunFaultTests {
    struct Timeout: Error, CustomStringConvertible {
        var description: String
    }

    /// A running `harvestry sim run --pilot --speed 10` with its output and truth in a temporary directory.
    final class RunningSim: @unchecked Sendable {
        let process = Process()
        let directory: URL
        var output: URL { self.directory.appendingPathComponent("output.txt") }
        var truth: URL { self.directory.appendingPathComponent("truth.jsonl") }

        /// `site`: the site and pace arguments; `extra`: more arguments (an inverter, ...).
        init(
            mqttURL: String? = nil,
            site: [String] = ["--pilot", "--speed", "10", "--duration", "30m"],
            extra: [String] = []
        ) throws {
            self.directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("sim-run-faults-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
            try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: self.output.path, contents: nil)
            self.process.executableURL = FaultCommandTests.executable
            self.process.arguments =
                ["sim", "run"] + site + [
                    "--grpc-port", "0",
                    "--truth", self.truth.path, "--spool-dir", self.directory.appendingPathComponent("spool").path,
                    "--data-dir", self.directory.appendingPathComponent("data").path,
                ] + extra
            if let mqttURL { self.process.arguments! += ["--mqtt-url", mqttURL] }
            var environment = ProcessInfo.processInfo.environment
            environment["MQTT_URL"] = nil
            self.process.environment = environment
            let handle = try FileHandle(forWritingTo: self.output)
            self.process.standardOutput = handle
            self.process.standardError = handle
            try self.process.run()
        }

        func text() -> String { (try? String(contentsOf: self.output, encoding: .utf8)) ?? "" }

        /// The printed gRPC address (at most 60 s).
        func address() async throws -> String {
            try await self.printed(after: "fault injection (SimulatorService) on ", until: "\n")
        }

        /// The broker's URL from the "simulation starting" log line (at most 60 s).
        func brokerURL() async throws -> String {
            try await self.printed(after: "broker=", until: " ")
        }

        /// What the output holds between `marker` and the next `end` (at most 60 s).
        func printed(after marker: String, until end: Character) async throws -> String {
            for _ in 0..<600 {
                let text = self.text()
                if let range = text.range(of: marker) {
                    let rest = text[range.upperBound...]
                    if let end = rest.firstIndex(of: end) { return String(rest[..<end]) }
                }
                guard self.process.isRunning else { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw Timeout(description: "no '\(marker)' printed: \(self.text().suffix(2000))")
        }

        /// SIGINT, then waits for the exit (at most 60 s).
        func stop() async throws {
            if self.process.isRunning { self.process.interrupt() }
            for _ in 0..<600 where self.process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
            if self.process.isRunning {
                self.process.terminate()
                throw Timeout(description: "sim run did not stop on SIGINT")
            }
        }

        func truthRecords() throws -> [TruthRecord] {
            try TruthLog.read(path: self.truth.path)
        }

        deinit {
            if self.process.isRunning { self.process.terminate() }
            try? FileManager.default.removeItem(at: self.directory)
        }
    }

    static let controller = SiteSpec.pilot().devices.first { $0.kind == .irrigationController }!
    /// The pilot's VEG-1-Z1 zone id: a device group of the run (its sensors).
    static let sensorZone = SiteSpec.pilot().zones.first { $0.code == "VEG-1-Z1" }!.id

    static func latency(_ target: String) -> Harvestry_Simulator_V1_InjectFaultRequest {
        Self.request(target, seconds: 5) {
            $0.network = .with {
                $0.kind = .latency; $0.latency = .with { $0.nanos = 100_000_000 }
            }
        }
    }

    static func request(
        _ target: String,
        seconds: Int64?,
        _ configure: (inout Harvestry_Simulator_V1_Fault) -> Void
    ) -> Harvestry_Simulator_V1_InjectFaultRequest {
        .with {
            $0.fault = .with {
                $0.target = target
                if let seconds { $0.duration = .with { $0.seconds = seconds } }
                configure(&$0)
            }
        }
    }

    /// Polls `fault` until `done` (at most 30 s).
    static func waitFor(
        _ name: String,
        client: Harvestry_Simulator_V1_SimulatorService.Client<CoreClientTransport>,
        until done: (Harvestry_Simulator_V1_Fault) -> Bool
    ) async throws {
        for _ in 0..<300 {
            let page = try await client.listFaults(.with { $0.pageSize = 50 })
            if let fault = page.faults.first(where: { $0.name == name }), done(fault) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Timeout(description: "\(name) did not reach the expected state")
    }

    /// Opens `valve` through `controller`'s cmd topic on the simulation's broker and waits (at most 30 s) for the
    /// EXECUTED ack, so the E-STOP that follows has an output to turn off.
    static func openValve(_ valve: DeviceID, controller: DeviceID, brokerURL: String) async throws {
        let endpoint = try MQTTEndpoint(url: brokerURL)
        let client = try await MQTTClient.connect(
            .init(host: endpoint.host, port: endpoint.port, clientID: "simrun-test-\(getpid())")
        )
        let site = SiteSpec.pilot().site
        try await client.subscribe("hv/v1/\(site)/\(controller)/ack")
        let id = UUID().uuidString.lowercased()
        let command = Harvestry_Telemetry_V1_Command.with {
            $0.id = id
            $0.idempotencyKey = id
            $0.deviceID = controller
            $0.name = "valve.open"
            $0.parameters = ["valve": valve, "duration_s": "900"]
            $0.expireTime = Google_Protobuf_Timestamp(date: Date().addingTimeInterval(3_600))
        }
        let payload = try command.serializedBytes() as [UInt8]
        let executed = try await withThrowingTaskGroup(of: Bool.self) { group in
            // The controller may not have subscribed yet when the run has just started (a busy machine): the
            // command is published again, same id and idempotency key, every 2 s until its ack arrives.
            group.addTask {
                while !Task.isCancelled {
                    try await client.publish(payload, to: "hv/v1/\(site)/\(controller)/cmd")
                    try await Task.sleep(for: .seconds(2))
                }
                return false
            }
            group.addTask {
                for await message in client.messages {
                    let ack = try Harvestry_Telemetry_V1_Ack(serializedBytes: message.payload)
                    if ack.commandID == id, ack.stage != .received { return ack.stage == .executed }
                }
                return false
            }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                return false
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
        await client.disconnect()
        guard executed else { throw Timeout(description: "valve.open was not EXECUTED within 30 s") }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: FaultCommandTests.executable.path)))
    func estopAndBrokerKillAgainstARunningSimulation() async throws {
        let sim = try RunningSim()
        let address = try await sim.address()
        let controller = Self.controller.id
        let valve = try #require(
            SiteSpec.pilot().devices.first { $0.kind == .valve && $0.controller == controller }
        ).id
        try await Self.openValve(valve, controller: controller, brokerURL: try await sim.brokerURL())
        var clearedAt: Int64 = 0
        try await withGRPCClient(transport: try CoreClientTransport(target: address)) { grpc in
            let client = Harvestry_Simulator_V1_SimulatorService.Client(wrapping: grpc)
            let estop = try await client.injectFault(
                Self.request("devices/\(controller)", seconds: 5) { $0.device = .with { $0.kind = .estopOpen } }
            )
            #expect(estop.state == .active)
            try await Self.waitFor(estop.name, client: client) { $0.state == .expired }

            // A zone's device group behind its fault proxy: cut off for 3 simulated seconds, then back.
            let down = try await client.injectFault(
                Self.request("deviceGroups/\(Self.sensorZone)", seconds: 3) { $0.network = .with { $0.kind = .down } }
            )
            #expect(down.state == .active)
            try await Self.waitFor(down.name, client: client) { $0.state == .expired }
            let latency = try await client.injectFault(Self.latency("deviceGroups/all"))
            #expect(latency.state == .active)
            try await Self.waitFor(latency.name, client: client) { $0.state == .expired }
            let unknown = await #expect(throws: RPCError.self) {
                _ = try await client.injectFault(Self.latency("deviceGroups/nowhere"))
            }
            #expect(unknown?.code == .invalidArgument)
            let status = try #require(try unknown?.unpackGoogleRPCStatus())
            let violations = status.details.compactMap(\.badRequest).flatMap(\.violations)
            #expect(violations.map(\.field) == ["fault.target"], "\(status.message)")

            let kill = try await client.injectFault(
                Self.request("broker", seconds: nil) { $0.broker = .with { $0.kind = .kill } }
            )
            try await Task.sleep(for: .seconds(1))
            let cleared = try await client.clearFault(.with { $0.name = kill.name })
            #expect(cleared.state == .cleared)
            clearedAt = cleared.endTime.seconds * 1_000_000_000 + Int64(cleared.endTime.nanos)
            let before = try await client.getSummary(.init()).published
            var resumed = false
            for _ in 0..<300 where !resumed {
                try await Task.sleep(for: .milliseconds(100))
                let summary = try await client.getSummary(.init())
                resumed = summary.published > before && summary.spooled == 0
            }
            #expect(resumed, "publishing did not resume after the broker restart")
        }
        try await sim.stop()
        let records = try sim.truthRecords()

        let estopLines = records.filter { $0.kind == .fault && $0.fault == "estop-open" }
        #expect(estopLines.count == 2, "\(estopLines)")
        let applied = try #require(estopLines.first { $0.detail?.hasPrefix("applied") == true })
        let expired = try #require(estopLines.first { $0.detail?.hasPrefix("expired") == true })
        #expect(expired.simNanos - applied.simNanos >= 5_000_000_000)
        // The controller's E-STOP event and state went out through the runtime at the apply and the expiry instants.
        let controllerEvents = records.filter {
            $0.kind == .published && $0.device == controller && $0.channel == "event"
        }
        #expect(controllerEvents.contains { $0.simNanos == applied.simNanos }, "\(controllerEvents)")
        #expect(controllerEvents.contains { $0.simNanos == expired.simNanos }, "\(controllerEvents)")
        let outputs = Set(SiteSpec.pilot().devices.filter { $0.controller == controller }.map(\.id) + [controller])
        // The valve opened by the command was on until the E-STOP, went off at its instant, and nothing was on
        // while it lasted.
        var before: [String: Bool] = [:]
        var at: [String: Bool] = [:]
        for record in records where record.kind == .output && outputs.contains(record.device) {
            let key = "\(record.device)/\(record.output ?? "")"
            if record.simNanos < applied.simNanos { before[key] = record.on }
            if record.simNanos == applied.simNanos { at[key] = record.on }
            if record.simNanos > applied.simNanos, record.simNanos < expired.simNanos {
                #expect(record.on == false, "output \(record.output ?? "") on during the E-STOP: \(record)")
            }
        }
        #expect(before.contains { $0.key.contains(valve) && $0.value == true }, "the valve was not open: \(before)")
        #expect(!at.isEmpty && at.values.allSatisfy { $0 == false }, "outputs at the E-STOP instant: \(at)")

        // The proxy's own records of the cut: the toxic added and removed on the zone's group, and the connection
        // it closed (or refused on reconnect).
        let proxyLines = records.filter { $0.kind == .fault && $0.device == "deviceGroups/\(Self.sensorZone)" }
        let proxyEffects = Set(proxyLines.compactMap(\.fault))
        #expect(proxyEffects.isSuperset(of: ["toxic-down", "proxy-added", "proxy-removed"]), "\(proxyLines)")
        #expect(!proxyEffects.isDisjoint(with: ["proxy-closed", "proxy-refused"]), "\(proxyLines)")

        // The latency on `all` went to every group's proxy: the pilot's two sensor zones and `site`.
        let latencyAdded = records.filter {
            $0.kind == .fault && $0.fault == "proxy-added" && $0.detail?.contains("type=latency") == true
        }
        let everyGroup = DeviceGroups(spec: SiteSpec.pilot()).names.map { "deviceGroups/\($0)" }
        #expect(latencyAdded.map(\.device).sorted() == everyGroup.sorted(), "\(latencyAdded)")

        let brokerLines = records.filter { $0.kind == .fault && $0.fault == "broker-kill" }
        #expect(brokerLines.map { $0.detail?.prefix(7) } == ["applied", "cleared"], "\(brokerLines)")
        #expect(records.contains { $0.kind == .published && ($0.publishedNanos ?? 0) > clearedAt })
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: FaultCommandTests.executable.path)))
    func brokerFaultsAreRefusedWhenTheBrokerIsNotOurs() async throws {
        let owner = try RunningSim()
        let brokerURL = try await owner.brokerURL()
        let guest = try RunningSim(mqttURL: brokerURL, extra: ["--no-fault-proxies"])
        let address = try await guest.address()
        try await withGRPCClient(transport: try CoreClientTransport(target: address)) { grpc in
            let client = Harvestry_Simulator_V1_SimulatorService.Client(wrapping: grpc)
            let kill = Self.request("broker", seconds: nil) { $0.broker = .with { $0.kind = .kill } }
            let refusal = await #expect(throws: RPCError.self) { _ = try await client.injectFault(kill) }
            #expect(refusal?.code == .failedPrecondition)
            #expect(refusal?.message.contains("does not own the broker") == true, "\(String(describing: refusal))")
            let network = await #expect(throws: RPCError.self) {
                _ = try await client.injectFault(Self.latency("deviceGroups/all"))
            }
            #expect(network?.code == .failedPrecondition)
            #expect(network?.message.contains("no fault proxy") == true, "\(String(describing: network))")
        }
        try await guest.stop()
        try await owner.stop()
    }
}
