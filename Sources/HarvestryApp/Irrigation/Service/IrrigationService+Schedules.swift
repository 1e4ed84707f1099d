import API
import Domain
import Foundation
import GRPCCore
import SwiftProtobuf

/// Schedules: a time of day in the site's time zone, or a batch phase change, starting a program.
extension IrrigationService {
    public func getSchedule(
        request: Harvestry_Irrigation_V1_GetScheduleRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_Schedule {
        var violations = FieldViolations()
        let name = violations.name("name", request.name, .schedule)
        let scope = try Caller.authorize(violations, site: name?.site, method: "GetSchedule")
        let schedule = try await self.schedule(name!["schedule"], site: name!.site!, in: scope)
        return .init(schedule, site: name!.site!, now: self.now())
    }

    public func listSchedules(
        request: Harvestry_Irrigation_V1_ListSchedulesRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_ListSchedulesResponse {
        var violations = FieldViolations()
        let (site, page) = Self.listing(
            parent: request.parent,
            pageSize: request.pageSize,
            pageToken: request.pageToken,
            violations: &violations
        )
        let scope = try Caller.authorize(violations, site: site, method: "ListSchedules")
        let schedules = try await self.repository.listSchedules(siteID: site!, in: scope, page: page)
        let now = self.now()
        return .with {
            $0.schedules = schedules.items.map { .init($0, site: site!, now: now) }
            $0.nextPageToken = schedules.nextToken ?? ""
        }
    }

    public func createSchedule(
        request: Harvestry_Irrigation_V1_CreateScheduleRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_Schedule {
        var violations = FieldViolations()
        let checked = IrrigationValidation.createSchedule(request, violations: &violations)
        let scope = try Caller.authorize(violations, site: checked?.site, roles: Self.definers, method: "CreateSchedule")
        let create = checked!
        _ = try await self.program(create.schedule.programID, site: create.site, in: scope)
        let schedule = try await self.repository.createSchedule(create.schedule, in: scope, audit: create.audit)
        return .init(schedule, site: create.site, now: self.now())
    }

    public func updateSchedule(
        request: Harvestry_Irrigation_V1_UpdateScheduleRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_Schedule {
        var violations = FieldViolations()
        let checked = IrrigationValidation.updateSchedule(request, violations: &violations)
        let scope = try Caller.authorize(
            violations,
            site: checked?.name.site,
            roles: Self.definers,
            method: "UpdateSchedule"
        )
        let update = checked!
        let site = update.name.site!
        var schedule = try await self.schedule(update.name["schedule"], site: site, in: scope)
        if let changed = update.fields {
            schedule.trigger = changed.trigger
            schedule.timeZoneIdentifier = changed.timeZoneIdentifier
        }
        if update.paths.contains("enabled") {
            schedule.enabled = request.schedule.hasEnabled ? request.schedule.enabled : true
        }
        let saved = try await self.repository.updateSchedule(schedule, in: scope, audit: update.audit)
        return .init(saved, site: site, now: self.now())
    }

    public func deleteSchedule(
        request: Harvestry_Irrigation_V1_DeleteScheduleRequest,
        context: ServerContext
    ) async throws -> Google_Protobuf_Empty {
        var violations = FieldViolations()
        let name = violations.name("name", request.name, .schedule)
        let audit = violations.audit(requestID: request.requestID)
        let scope = try Caller.authorize(violations, site: name?.site, roles: Self.definers, method: "DeleteSchedule")
        _ = try await self.schedule(name!["schedule"], site: name!.site!, in: scope)
        try await self.repository.deleteSchedule(name!["schedule"], in: scope, audit: audit)
        return Google_Protobuf_Empty()
    }

    /// The stored schedule, if its program is in `site`.
    func schedule(_ id: UUID, site: UUID, in scope: AccessScope) async throws -> IrrigationSchedule {
        let schedule = try await self.repository.schedule(id, in: scope)
        guard (try? await self.program(schedule.programID, site: site, in: scope)) != nil else {
            throw DomainError.notFound("schedule", id: id.lowercasedString)
        }
        return schedule
    }
}
