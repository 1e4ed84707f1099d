import API
import Domain
import Foundation
import GRPCCore
import SwiftProtobuf

/// Programs: ordered steps over the zones of one group. The seed contract `POST /irrigation/programs` names the
/// group by its bare id and gives no parent.
extension IrrigationService {
    public func getProgram(
        request: Harvestry_Irrigation_V1_GetProgramRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_Program {
        var violations = FieldViolations()
        let name = violations.name("name", request.name, .program)
        let scope = try Caller.authorize(violations, site: name?.site, method: "GetProgram")
        let (program, _) = try await self.program(name!["program"], site: name!.site!, in: scope)
        return .init(program, site: name!.site!)
    }

    public func listPrograms(
        request: Harvestry_Irrigation_V1_ListProgramsRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_ListProgramsResponse {
        var violations = FieldViolations()
        let (site, page) = Self.listing(
            parent: request.parent,
            pageSize: request.pageSize,
            pageToken: request.pageToken,
            violations: &violations
        )
        let scope = try Caller.authorize(violations, site: site, method: "ListPrograms")
        let programs = try await self.repository.listPrograms(siteID: site!, in: scope, page: page)
        return .with {
            $0.programs = programs.items.map { .init($0, site: site!) }
            $0.nextPageToken = programs.nextToken ?? ""
        }
    }

    public func createProgram(
        request: Harvestry_Irrigation_V1_CreateProgramRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_Program {
        var violations = FieldViolations()
        let checked = IrrigationValidation.createProgram(request, violations: &violations)
        let scope = try Caller.authorize(violations, site: checked?.site, roles: Self.definers, method: "CreateProgram")
        let create = checked!
        let group = try await self.repository.group(create.group.id, in: scope)
        try Caller.require(site: group.siteID, in: scope)
        if let site = create.site, site != group.siteID {
            throw DomainError.notFound("group", id: group.id.lowercasedString)
        }
        let program = IrrigationProgram(
            groupID: group.id,
            name: create.program.displayName,
            steps: create.program.steps,
            maxRuntime: create.program.maxRuntime
        )
        try Self.checkZones(program, in: group)
        return .init(
            try await self.repository.createProgram(program, in: scope, audit: create.audit),
            site: group.siteID
        )
    }

    public func updateProgram(
        request: Harvestry_Irrigation_V1_UpdateProgramRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_Program {
        var violations = FieldViolations()
        let checked = IrrigationValidation.updateProgram(request, violations: &violations)
        let scope = try Caller.authorize(
            violations,
            site: checked?.name.site,
            roles: Self.definers,
            method: "UpdateProgram"
        )
        let update = checked!
        let site = update.name.site!
        var (program, group) = try await self.program(update.name["program"], site: site, in: scope)
        if let displayName = update.fields.displayName { program.name = displayName }
        if let steps = update.fields.steps { program.steps = steps }
        if let maxRuntime = update.fields.maxRuntime { program.maxRuntime = maxRuntime }
        try Self.checkZones(program, in: group)
        return .init(try await self.repository.updateProgram(program, in: scope, audit: update.audit), site: site)
    }

    public func deleteProgram(
        request: Harvestry_Irrigation_V1_DeleteProgramRequest,
        context: ServerContext
    ) async throws -> Google_Protobuf_Empty {
        var violations = FieldViolations()
        let name = violations.name("name", request.name, .program)
        let audit = violations.audit(requestID: request.requestID)
        let scope = try Caller.authorize(violations, site: name?.site, roles: Self.definers, method: "DeleteProgram")
        _ = try await self.program(name!["program"], site: name!.site!, in: scope)
        try await self.repository.deleteProgram(name!["program"], in: scope, audit: audit)
        return Google_Protobuf_Empty()
    }

    /// The stored program and its group, if it is in `site`.
    func program(_ id: UUID, site: UUID, in scope: AccessScope) async throws -> (IrrigationProgram, IrrigationGroup) {
        let program = try await self.repository.program(id, in: scope)
        let group = try await self.repository.group(program.groupID, in: scope)
        guard group.siteID == site else { throw DomainError.notFound("program", id: id.lowercasedString) }
        return (program, group)
    }

    /// The program against its stored group (each step's zone in the group; the merged steps and max runtime of
    /// an update), reported by proto path: `program.steps[1].zone_id`, `program.max_runtime`.
    static func checkZones(_ program: IrrigationProgram, in group: IrrigationGroup) throws {
        var violations = FieldViolations()
        violations.domain(IrrigationValidation.programField) { try program.validate(in: group) }
        try violations.check()
    }
}
