import API
import Domain
import Foundation
import GRPCCore
import SwiftProtobuf

/// `harvestry.batches.v1.BatchService`: batches read, and their phase changed and recorded (`BatchRepository`).
///
/// Each request is validated first (INVALID_ARGUMENT naming each field), then the caller's role (PERMISSION_DENIED
/// ROLE_REQUIRED) and site (SITE_OUT_OF_SCOPE), then the repository acts under the caller's scope. A batch whose
/// site is not the name's is NOT_FOUND.
public struct BatchService: Harvestry_Batches_V1_BatchService.SimpleServiceProtocol {
    let repository: any BatchRepository

    public init(repository: any BatchRepository) {
        self.repository = repository
    }

    /// Who may change a batch's phase: the site's managers and admins (the seed's personas: 1 admin, 3 managers; a
    /// phase change starts irrigation programs, so it is not an operator's call). Reads: any role of the site.
    static let phaseChangers: Set<Role> = [.admin, .manager]

    public func getBatch(
        request: Harvestry_Batches_V1_GetBatchRequest,
        context: ServerContext
    ) async throws -> Harvestry_Batches_V1_Batch {
        var violations = FieldViolations()
        let name = violations.name("name", request.name, .batch)
        let scope = try Caller.authorize(violations, site: name?.site, method: "GetBatch")
        return .init(try await self.batch(name!, in: scope))
    }

    public func listBatches(
        request: Harvestry_Batches_V1_ListBatchesRequest,
        context: ServerContext
    ) async throws -> Harvestry_Batches_V1_ListBatchesResponse {
        var violations = FieldViolations()
        let site = violations.name("parent", request.parent, .site)?.site
        let page = violations.page(size: request.pageSize, token: request.pageToken)
        let phase = violations.enumeration("phase", request.phase, required: false).map(BatchPhase.init)
        let room = violations.name("room", request.room, .room, required: false)
        if let site, let room, room.site != site {
            violations.add("room", reason: "ROOM_OUT_OF_PARENT", "must be a room of the parent site")
        }
        let scope = try Caller.authorize(violations, site: site, method: "ListBatches")
        let batches = try await self.repository.listBatches(
            siteID: site!,
            phase: phase,
            roomID: room?["room"],
            in: scope,
            page: page
        )
        return .with {
            $0.batches = batches.items.map(Harvestry_Batches_V1_Batch.init)
            $0.nextPageToken = batches.nextToken ?? ""
        }
    }

    public func changeBatchPhase(
        request: Harvestry_Batches_V1_ChangeBatchPhaseRequest,
        context: ServerContext
    ) async throws -> Harvestry_Batches_V1_ChangeBatchPhaseResponse {
        var violations = FieldViolations()
        let name = violations.name("name", request.name, .batch)
        let phase = violations.enumeration("phase", request.phase, required: true).map(BatchPhase.init)
        let expected = violations.enumeration("expected_phase", request.expectedPhase, required: false)
            .map(BatchPhase.init)
        let note = violations.optional("note", request.note, maximum: 1_000)
        let requestID = violations.optional("request_id", request.requestID, maximum: 128)
        let scope = try Caller.authorize(
            violations,
            site: name?.site,
            roles: Self.phaseChangers,
            method: "ChangeBatchPhase"
        )
        _ = try await self.batch(name!, in: scope)
        let (batch, change) = try await self.repository.changePhase(
            name!["batch"],
            to: phase!,
            expected: expected,
            in: scope,
            audit: AuditContext(requestID: requestID, note: note)
        )
        return .with {
            $0.batch = .init(batch)
            $0.phaseChange = .init(change)
        }
    }

    public func listBatchPhaseChanges(
        request: Harvestry_Batches_V1_ListBatchPhaseChangesRequest,
        context: ServerContext
    ) async throws -> Harvestry_Batches_V1_ListBatchPhaseChangesResponse {
        var violations = FieldViolations()
        let name = violations.name("parent", request.parent, .batch)
        let page = violations.page(size: request.pageSize, token: request.pageToken)
        let scope = try Caller.authorize(violations, site: name?.site, method: "ListBatchPhaseChanges")
        let batch = try await self.batch(name!, in: scope)
        let changes = try await self.repository.phaseChanges(batchID: batch.id, in: scope, page: page)
        return .with {
            $0.phaseChanges = changes.items.map(Harvestry_Batches_V1_BatchPhaseChange.init)
            $0.nextPageToken = changes.nextToken ?? ""
        }
    }

    // MARK: - Helpers

    /// The named batch, NOT_FOUND unless it belongs to the name's site.
    func batch(_ name: ResourceName, in scope: AccessScope) async throws -> Batch {
        let batch = try await self.repository.batch(name["batch"], in: scope)
        guard batch.siteID == name.site else {
            throw DomainError.notFound("batch", id: name["batch"].uuidString.lowercased())
        }
        return batch
    }
}

extension ResourcePattern {
    static let batch = ResourcePattern("sites/{site}/batches/{batch}")
    static let batchPhaseChange = ResourcePattern("sites/{site}/batches/{batch}/phaseChanges/{phase_change}")
}
