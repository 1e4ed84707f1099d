import API
import ArgumentParser
import CoreTransport
import GRPCCore
import SwiftProtobuf

/// `harvestry sim fault ...`: injects, clears and lists faults at a running simulator's `SimulatorService`, as a gRPC
/// client. Meant to sit under `harvestry sim` (`harvestry sim fault ...`) once the simulator's CLI is merged.
struct FaultCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fault",
        abstract: "Inject, clear and list faults at a running simulator (SimulatorService).",
        subcommands: [FaultInject.self, FaultClear.self, FaultList.self, FaultSummary.self]
    )
}

/// The simulator to call.
struct FaultServerOptions: ParsableArguments {
    @Option(help: "The simulator's gRPC address, host:port.")
    var server = "127.0.0.1:50061"

    /// Runs `body` with a client to the simulator; a failed call exits non-zero with the server's message.
    func withClient<Result: Sendable>(
        _ body: (Harvestry_Simulator_V1_SimulatorService.Client<CoreClientTransport>) async throws -> Result
    ) async throws -> Result {
        do {
            return try await withGRPCClient(transport: try CoreClientTransport(target: self.server)) { client in
                try await body(Harvestry_Simulator_V1_SimulatorService.Client(wrapping: client))
            }
        } catch let error as RPCError {
            throw ValidationError("\(error.code): \(error.message)")
        }
    }
}

struct FaultInject: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inject",
        abstract: "Apply a fault; prints its name (simulator/faults/N).",
        discussion: """
            Kinds: \(FaultKind.allCases.map(\.rawValue).joined(separator: ", ")). \
            Device and sensor kinds take --device or --group; network kinds --group; broker kinds --broker; \
            modbus kinds --inverter. Without --for a fault is held until `harvestry sim fault clear`.
            """
    )

    @OptionGroup var connection: FaultServerOptions
    @OptionGroup var target: FaultTargetOptions

    @Argument(help: "What to inject, e.g. estop-open, noise, latency, modbus-exception.")
    var kind: FaultKind

    @Option(name: .customLong("for"), help: "How long, on the simulation's clock: 500ms, 30s, 5m, 2h. Default: held.")
    var duration: String?

    @OptionGroup var parameters: FaultParameterOptions

    @Option(help: "Who applies it, recorded in the fault log (default: the caller's address).")
    var actor: String?

    @Option(help: "Idempotency key: a repeat returns the first fault.")
    var requestID: String?

    func run() async throws {
        var fault = try self.parameters.fault(self.kind)
        fault.target = try self.target.target()
        if let duration = self.duration { fault.duration = try FaultDurationText.parse(duration, option: "--for") }
        let request = Harvestry_Simulator_V1_InjectFaultRequest.with {
            $0.fault = fault
            $0.requestID = self.requestID ?? ""
        }
        var metadata = Metadata()
        if let actor = self.actor { metadata.addString(actor, forKey: "x-harvestry-actor") }
        let created = try await self.connection.withClient { try await $0.injectFault(request, metadata: metadata) }
        print("\(created.name)\t\(FaultPrinting.state(created.state))\t\(created.summary)")
    }
}

struct FaultClear: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clear",
        abstract: "End an active fault now and undo it."
    )

    @OptionGroup var connection: FaultServerOptions

    @Argument(help: "The fault: its number or simulator/faults/N.")
    var id: String

    func run() async throws {
        let name = self.id.hasPrefix("simulator/faults/") ? self.id : "simulator/faults/\(self.id)"
        let cleared = try await self.connection.withClient { try await $0.clearFault(.with { $0.name = name }) }
        print("\(cleared.name)\t\(FaultPrinting.state(cleared.state))\t\(cleared.summary)")
    }
}

struct FaultList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "The active and recent faults, newest first."
    )

    @OptionGroup var connection: FaultServerOptions

    @Flag(help: "Only the active faults.")
    var active = false

    @Option(help: "At most this many (1-500).")
    var limit = 50

    func run() async throws {
        guard (1...500).contains(self.limit) else { throw ValidationError("--limit: must be in 1...500") }
        let request = Harvestry_Simulator_V1_ListFaultsRequest.with {
            $0.activeOnly = self.active
            $0.pageSize = Int32(self.limit)
        }
        let response = try await self.connection.withClient { try await $0.listFaults(request) }
        for fault in response.faults { print(FaultPrinting.line(fault)) }
        if response.faults.isEmpty { print("no faults") }
    }
}

struct FaultSummary: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "The simulator's devices, message rate, spool and active faults."
    )

    @OptionGroup var connection: FaultServerOptions

    func run() async throws {
        let summary = try await self.connection.withClient { try await $0.getSummary(.init()) }
        print(
            "devices \(summary.devices)  msg/s \(summary.messagesPerSecond)  published \(summary.published)  "
                + "spooled \(summary.spooled)  active faults \(summary.activeFaults)"
        )
    }
}
