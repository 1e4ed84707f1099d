import API
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf

/// `harvestry.simulator.v1.SimulatorService` over a `FaultInjector`: the simulator process serves it (on the C-core
/// transport), and `harvestry gateway --upstream` puts the JSON gateway in front of it. Requests are validated
/// field by field (INVALID_ARGUMENT with `google.rpc.BadRequest` field violations, as the Harvestry services do).
/// Who applied or cleared a fault is the call's `x-harvestry-actor` metadata, else the caller's address.
public struct SimulatorService: Harvestry_Simulator_V1_SimulatorService.SimpleServiceProtocol {
    public static let actorMetadataKey = "x-harvestry-actor"
    static let defaultPageSize = 50
    static let maximumPageSize = 500

    public let injector: FaultInjector

    public init(injector: FaultInjector) {
        self.injector = injector
    }

    public func injectFault(
        request: ServerRequest<Harvestry_Simulator_V1_InjectFaultRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<Harvestry_Simulator_V1_Fault> {
        let actor = Self.actor(request.metadata, context)
        return ServerResponse(message: try await self.inject(request.message, by: actor), metadata: [:])
    }

    public func clearFault(
        request: ServerRequest<Harvestry_Simulator_V1_ClearFaultRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<Harvestry_Simulator_V1_Fault> {
        let actor = Self.actor(request.metadata, context)
        return ServerResponse(message: try await self.clear(request.message, by: actor), metadata: [:])
    }

    public func injectFault(
        request: Harvestry_Simulator_V1_InjectFaultRequest,
        context: ServerContext
    ) async throws -> Harvestry_Simulator_V1_Fault {
        try await self.inject(request, by: context.remotePeer)
    }

    public func clearFault(
        request: Harvestry_Simulator_V1_ClearFaultRequest,
        context: ServerContext
    ) async throws -> Harvestry_Simulator_V1_Fault {
        try await self.clear(request, by: context.remotePeer)
    }

    public func listFaults(
        request: Harvestry_Simulator_V1_ListFaultsRequest,
        context: ServerContext
    ) async throws -> Harvestry_Simulator_V1_ListFaultsResponse {
        var violations: [FaultError.Violation] = []
        if request.pageSize < 0 || Int(request.pageSize) > Self.maximumPageSize {
            violations.append(.init(field: "page_size", description: "must be in 0...\(Self.maximumPageSize)"))
        }
        var before: Int?
        if !request.pageToken.isEmpty {
            before = Int(request.pageToken).flatMap { $0 > 0 && String($0) == request.pageToken ? $0 : nil }
            if before == nil {
                violations.append(.init(field: "page_token", description: "is not a token this method returned"))
            }
        }
        guard violations.isEmpty else { throw SimulatorServiceError.status(for: .invalid(violations)) }
        let size = request.pageSize == 0 ? Self.defaultPageSize : Int(request.pageSize)
        let page = await self.injector.faults(activeOnly: request.activeOnly, pageSize: size, before: before)
        return .with {
            $0.faults = page.records.map(Harvestry_Simulator_V1_Fault.init(record:))
            $0.nextPageToken = page.next.map(String.init) ?? ""
        }
    }

    public func getSummary(
        request: Harvestry_Simulator_V1_GetSummaryRequest,
        context: ServerContext
    ) async throws -> Harvestry_Simulator_V1_Summary {
        let (summary, active) = await self.injector.summary()
        return .with {
            if let summary {
                $0.simTime = summary.simTime.timestamp
                $0.devices = Int32(clamping: summary.devices)
                $0.messagesPerSecond = summary.messagesPerSecond
                $0.published = Int64(summary.published)
                $0.spooled = Int64(summary.spooled)
            }
            $0.activeFaults = Int32(clamping: active)
        }
    }

    private func inject(
        _ request: Harvestry_Simulator_V1_InjectFaultRequest,
        by actor: String
    ) async throws -> Harvestry_Simulator_V1_Fault {
        do {
            var violations: [FaultError.Violation] = []
            if request.requestID.count > 128 {
                violations.append(.init(field: "request_id", description: "is longer than 128 characters"))
            }
            let decoded = FaultRequest.decode(request.hasFault ? request.fault : nil, into: &violations)
            guard let decoded, violations.isEmpty else { throw FaultError.invalid(violations) }
            let requestID = request.requestID.isEmpty ? nil : request.requestID
            let record = try await self.injector.inject(decoded, by: actor, requestID: requestID)
            return Harvestry_Simulator_V1_Fault(record: record)
        } catch let error as FaultError {
            throw SimulatorServiceError.status(for: error)
        }
    }

    private func clear(
        _ request: Harvestry_Simulator_V1_ClearFaultRequest,
        by actor: String
    ) async throws -> Harvestry_Simulator_V1_Fault {
        do {
            guard let id = InjectedFault.id(fromName: request.name) else {
                throw FaultError.invalid("name", "'\(request.name.prefix(60))' is not simulator/faults/{fault}")
            }
            return Harvestry_Simulator_V1_Fault(record: try await self.injector.clear(id: id, by: actor))
        } catch let error as FaultError {
            throw SimulatorServiceError.status(for: error)
        }
    }

    private static func actor(_ metadata: Metadata, _ context: ServerContext) -> String {
        let given = metadata[stringValues: Self.actorMetadataKey].first(where: { _ in true }) ?? ""
        let clean = given.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }
        return !given.isEmpty && given.count <= 64 && clean ? given : context.remotePeer
    }
}
