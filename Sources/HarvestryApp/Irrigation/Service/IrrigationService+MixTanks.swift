import API
import Domain
import Foundation
import GRPCCore
import SwiftProtobuf

/// Mix tanks: read by any role of the site, defined by admins and managers.
extension IrrigationService {
    public func getMixTank(
        request: Harvestry_Irrigation_V1_GetMixTankRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_MixTank {
        var violations = FieldViolations()
        let name = violations.name("name", request.name, .mixTank)
        let scope = try Caller.authorize(violations, site: name?.site, method: "GetMixTank")
        return .init(try await self.mixTank(name!["mix_tank"], site: name!.site!, in: scope))
    }

    public func listMixTanks(
        request: Harvestry_Irrigation_V1_ListMixTanksRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_ListMixTanksResponse {
        var violations = FieldViolations()
        let (site, page) = Self.listing(
            parent: request.parent,
            pageSize: request.pageSize,
            pageToken: request.pageToken,
            violations: &violations
        )
        let scope = try Caller.authorize(violations, site: site, method: "ListMixTanks")
        let tanks = try await self.setupStore().listMixTanks(siteID: site!, in: scope, page: page)
        return .with {
            $0.mixTanks = tanks.items.map(Harvestry_Irrigation_V1_MixTank.init)
            $0.nextPageToken = tanks.nextToken ?? ""
        }
    }

    public func createMixTank(
        request: Harvestry_Irrigation_V1_CreateMixTankRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_MixTank {
        var violations = FieldViolations()
        let checked = IrrigationValidation.createMixTank(request, violations: &violations)
        let scope = try Caller.authorize(
            violations,
            site: checked?.parent.site,
            roles: Self.definers,
            method: "CreateMixTank"
        )
        let create = checked!
        return .init(try await self.setupStore().createMixTank(create.resource, in: scope, audit: create.audit))
    }

    public func updateMixTank(
        request: Harvestry_Irrigation_V1_UpdateMixTankRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_MixTank {
        var violations = FieldViolations()
        let checked = IrrigationValidation.updateMixTank(request, violations: &violations)
        let scope = try Caller.authorize(
            violations,
            site: checked?.name.site,
            roles: Self.definers,
            method: "UpdateMixTank"
        )
        let update = checked!
        var tank = try await self.mixTank(update.name["mix_tank"], site: update.name.site!, in: scope)
        if let displayName = update.fields.displayName { tank.name = displayName }
        if let capacity = update.fields.capacity { tank.capacityLiters = capacity }
        if let sensor = update.fields.levelSensor { tank.levelSensorID = sensor }
        return .init(try await self.setupStore().updateMixTank(tank, in: scope, audit: update.audit))
    }

    public func deleteMixTank(
        request: Harvestry_Irrigation_V1_DeleteMixTankRequest,
        context: ServerContext
    ) async throws -> Google_Protobuf_Empty {
        var violations = FieldViolations()
        let name = violations.name("name", request.name, .mixTank)
        let audit = violations.audit(requestID: request.requestID)
        let scope = try Caller.authorize(violations, site: name?.site, roles: Self.definers, method: "DeleteMixTank")
        let id = name!["mix_tank"]
        _ = try await self.mixTank(id, site: name!.site!, in: scope)
        try await self.setupStore().deleteMixTank(id, in: scope, audit: audit)
        return Google_Protobuf_Empty()
    }
}
