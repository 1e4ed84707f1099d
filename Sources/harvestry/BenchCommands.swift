import ArgumentParser
import Bus
import Domain
import Foundation
import HarvestryApp
import Logging
import Simulator
import Store

/// `harvestry bench commands`: valve commands through the real broker to the simulator's edge controllers, via the
/// outbox and the dispatcher (enqueue -> ack recorded) and bare (publish -> ack), at each rate.
struct BenchCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commands",
        abstract: "Command enqueue -> ack latency through the dispatcher, against the bare MQTT round trip.",
        discussion: """
            Starts a private, durable Postgres and an embedded Mosquitto in a temporary directory, seeds the pilot \
            site and runs the simulator's pilot site in this process (its two edge controllers and five valves are \
            the devices). At each --rates value, for --seconds each, two runs send the same commands, alternately \
            valve.open and valve.close over the five valves (an open above the controller's 1 HL + 6 STD cap is \
            REJECTED: an ack all the same): first bare, a client publishing each Command on the valve's cmd topic \
            and timing it to the controller's EXECUTED or REJECTED ack (the floor: broker, simulator, no \
            orchestrator); then through the command plane, each command enqueued into the outbox \
            (enqueueCommands, every 10 ms the commands of that tick in one transaction) and timed from its \
            creation to the moment the dispatcher has recorded its final ack and told the settlement sink. Prints \
            p50/p95/p99/max per run, then where the dispatched runs' time went, each stage from the command's \
            creation: its enqueue transaction committed, then the stages the dispatcher times \
            (harvestry_irrigation_command_dispatch_stage_seconds: claimed, published, ack_arrived, ack_recorded).
            """
    )

    @Option(help: "Commands per second to measure at, comma-separated.") var rates = "100,1000"
    @Option(help: "Seconds of commands per run.") var seconds = 10
    @Option(help: "Dispatcher instances sharing the outbox and the acks.") var dispatchers = 1
    @Option(help: "Ack batches each dispatcher writes at once (its ackWriters; default: the dispatcher's).")
    var ackWriters: Int?

    func validate() throws {
        guard !self.rateList.isEmpty, self.rateList.allSatisfy({ (1...10_000).contains($0) }) else {
            throw ValidationError("--rates must list 1 to 10000 commands/s, comma-separated (got '\(self.rates)')")
        }
        guard (1...600).contains(self.seconds) else {
            throw ValidationError("--seconds must be 1 to 600 (got \(self.seconds))")
        }
        guard (1...8).contains(self.dispatchers) else {
            throw ValidationError("--dispatchers must be 1 to 8 (got \(self.dispatchers))")
        }
        if let writers = self.ackWriters, !(1...16).contains(writers) {
            throw ValidationError("--ack-writers must be 1 to 16 (got \(writers))")
        }
    }

    var rateList: [Int] { self.rates.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func run() async throws {
        bootstrapCommandLogging()
        var logger = Logger(label: "harvestry.bench")
        logger.logLevel = .warning
        let directory = "/tmp/harvestry-bench-commands-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        chmod(directory, 0o755)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = EmbeddedPostgres(configuration: .init(dataDirectory: directory + "/postgres"), logger: logger)
        let broker = EmbeddedMosquitto(configuration: .init(dataDirectory: directory + "/mosquitto"), logger: logger)
        do {
            let owner = try await server.start()
            try await Migrate.migrate(conninfo: owner, logger: logger)
            let ownerClient = PostgresClient(
                configuration: .init(conninfo: owner, maximumConnections: 1),
                logger: logger
            )
            _ = try await PilotSeed.load(ownerClient)
            ownerClient.close()
            try await broker.start()
            guard let port = await broker.port else { throw BenchError(message: "the broker started without a port") }
            let rig = CommandBenchRig(
                endpoint: MQTTEndpoint(host: "127.0.0.1", port: port),
                serviceConninfo: try await server.serviceConninfo,
                directory: directory,
                dispatchers: self.dispatchers,
                ackWriters: self.ackWriters,
                logger: logger
            )
            let measured = try await rig.measure(rates: self.rateList, seconds: self.seconds)
            print(CommandBenchRow.header)
            for row in measured.rows { print(row.line) }
            print("")
            print(CommandStageRow.header)
            for row in measured.stages { print(row.line) }
        } catch {
            await broker.stop()
            try? await server.stop()
            throw error
        }
        await broker.stop()
        try await server.stop()
    }
}

/// One line of the table.
struct CommandBenchRow: Sendable {
    var path: String
    var rate: Int
    var sent: Int
    var result: BenchResult

    static let header = """
        | path | commands/s | sent | acked | p50 | p95 | p99 | max |
        | --- | --- | --- | --- | --- | --- | --- | --- |
        """

    var line: String {
        "| \(self.path) | \(self.rate) | \(self.sent) | \(self.result.latencies.count) | "
            + "\(self.result.percentile(0.5)) | \(self.result.percentile(0.95)) | \(self.result.percentile(0.99)) | "
            + "\(self.result.percentile(1)) |"
    }
}
