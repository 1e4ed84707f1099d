import API
import Domain
import Foundation
import GRPCCore
import SwiftProtobuf

/// The site's irrigation settings and each group's interlock sources, as the run engine reads them: read by any
/// role of the site, changed by admins and managers.
extension IrrigationService {
    public func getIrrigationSettings(
        request: Harvestry_Irrigation_V1_GetIrrigationSettingsRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_IrrigationSettings {
        var violations = FieldViolations()
        let name = violations.name("name", request.name, .irrigationSettings)
        let scope = try Caller.authorize(violations, site: name?.site, method: "GetIrrigationSettings")
        return .init(try await self.setupStore().settings(siteID: name!.site!, in: scope))
    }

    public func updateIrrigationSettings(
        request: Harvestry_Irrigation_V1_UpdateIrrigationSettingsRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_IrrigationSettings {
        var violations = FieldViolations()
        let checked = IrrigationValidation.updateSettings(request, violations: &violations)
        let scope = try Caller.authorize(
            violations,
            site: checked?.name.site,
            roles: Self.definers,
            method: "UpdateIrrigationSettings"
        )
        let update = checked!
        let store = try self.setupStore()
        let fields = update.fields
        let stored = try await store.updateSettings(siteID: update.name.site!, in: scope, audit: update.audit) {
            try fields.apply(to: $0)
        }
        return .init(stored)
    }

    public func getInterlockSources(
        request: Harvestry_Irrigation_V1_GetInterlockSourcesRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_InterlockSources {
        var violations = FieldViolations()
        let name = violations.name("name", request.name, .interlockSources)
        let scope = try Caller.authorize(violations, site: name?.site, method: "GetInterlockSources")
        let group = try await self.group(name!["irrigation_group"], site: name!.site!, in: scope)
        let sources = try await self.setupStore().interlockSources(groupID: group.id, in: scope)
        return .init(sources, group: group.id, site: group.siteID)
    }

    public func updateInterlockSources(
        request: Harvestry_Irrigation_V1_UpdateInterlockSourcesRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_InterlockSources {
        var violations = FieldViolations()
        let checked = IrrigationValidation.updateInterlockSources(request, violations: &violations)
        let scope = try Caller.authorize(
            violations,
            site: checked?.name.site,
            roles: Self.definers,
            method: "UpdateInterlockSources"
        )
        let update = checked!
        let group = try await self.group(update.name["irrigation_group"], site: update.name.site!, in: scope)
        let sources = try await self.setupStore().setInterlockSources(
            update.fields,
            groupID: group.id,
            in: scope,
            audit: update.audit
        )
        return .init(sources, group: group.id, site: group.siteID)
    }
}
