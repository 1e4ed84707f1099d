import API
import Domain
import Foundation
import GRPCCore
import SwiftProtobuf

/// Runs, interlock events and device commands as stored: any role of the site may read them.
extension IrrigationService {
    public func getRun(
        request: Harvestry_Irrigation_V1_GetRunRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_Run {
        var violations = FieldViolations()
        let name = violations.name("name", request.name, .run)
        let scope = try Caller.authorize(violations, site: name?.site, method: "GetRun")
        let site = try await self.site(ofRun: IrrigationReference(id: name!["run"], site: name!.site), in: scope)
        return Self.message(try await self.repository.run(name!["run"], in: scope), site: site)
    }

    public func listRuns(
        request: Harvestry_Irrigation_V1_ListRunsRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_ListRunsResponse {
        var violations = FieldViolations()
        let checked = IrrigationValidation.listRuns(request, violations: &violations)
        let scope = try Caller.authorize(violations, site: checked?.site, method: "ListRuns")
        let list = checked!
        let runs = try await self.repository.listRuns(
            siteID: list.site,
            filter: RunFilter(statuses: list.statuses, programID: list.program),
            in: scope,
            page: list.page
        )
        return .with {
            $0.runs = runs.items.map { Self.message($0, site: list.site) }
            $0.nextPageToken = runs.nextToken ?? ""
        }
    }

    public func listInterlockEvents(
        request: Harvestry_Irrigation_V1_ListInterlockEventsRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_ListInterlockEventsResponse {
        var violations = FieldViolations()
        let (site, page) = Self.listing(
            parent: request.parent,
            pageSize: request.pageSize,
            pageToken: request.pageToken,
            violations: &violations
        )
        let run = violations.name("run", request.run, .run, inSite: site, required: false)
        let scope = try Caller.authorize(violations, site: site, method: "ListInterlockEvents")
        let events = try await self.repository.listInterlockEvents(
            siteID: site!,
            runID: run?["run"],
            in: scope,
            page: page
        )
        return .with {
            $0.interlockEvents = events.items.map { .init($0.event, id: $0.id, site: $0.siteID) }
            $0.nextPageToken = events.nextToken ?? ""
        }
    }

    public func listDeviceCommands(
        request: Harvestry_Irrigation_V1_ListDeviceCommandsRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_ListDeviceCommandsResponse {
        var violations = FieldViolations()
        let (site, page) = Self.listing(
            parent: request.parent,
            pageSize: request.pageSize,
            pageToken: request.pageToken,
            violations: &violations
        )
        let run = violations.name("run", request.run, .run, inSite: site, required: false)
        let statuses = violations.enumerations("statuses", request.statuses).compactMap(Self.commandStatus)
        let scope = try Caller.authorize(violations, site: site, method: "ListDeviceCommands")
        let commands = try await self.repository.listCommands(
            siteID: site!,
            runID: run?["run"],
            statuses: Set(statuses),
            in: scope,
            page: page
        )
        return .with {
            $0.deviceCommands = commands.items.map { .init($0.command, site: $0.siteID, run: $0.runID) }
            $0.nextPageToken = commands.nextToken ?? ""
        }
    }

    /// The Domain status of an API one; nil for the zero value and unknown numbers.
    static func commandStatus(_ status: Harvestry_Irrigation_V1_DeviceCommand.Status) -> CommandStatus? {
        CommandStatus.allCases.first { Harvestry_Irrigation_V1_DeviceCommand.Status($0) == status }
    }
}
