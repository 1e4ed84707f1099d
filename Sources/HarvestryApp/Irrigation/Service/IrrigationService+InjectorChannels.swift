import API
import Domain
import Foundation
import GRPCCore
import SwiftProtobuf

/// A mix tank's injector channels: read by any role of the site, defined by admins and managers.
extension IrrigationService {
    public func getInjectorChannel(
        request: Harvestry_Irrigation_V1_GetInjectorChannelRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_InjectorChannel {
        var violations = FieldViolations()
        let name = violations.name("name", request.name, .injectorChannel)
        let scope = try Caller.authorize(violations, site: name?.site, method: "GetInjectorChannel")
        return .init(try await self.injectorChannel(name!, in: scope))
    }

    public func listInjectorChannels(
        request: Harvestry_Irrigation_V1_ListInjectorChannelsRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_ListInjectorChannelsResponse {
        var violations = FieldViolations()
        let parent = violations.name("parent", request.parent, .mixTank)
        let page = violations.page(size: request.pageSize, token: request.pageToken)
        let scope = try Caller.authorize(violations, site: parent?.site, method: "ListInjectorChannels")
        let tank = try await self.mixTank(parent!["mix_tank"], site: parent!.site!, in: scope)
        let channels = try await self.setupStore().listInjectorChannels(mixTankID: tank.id, in: scope, page: page)
        return .with {
            $0.injectorChannels = channels.items.map(Harvestry_Irrigation_V1_InjectorChannel.init)
            $0.nextPageToken = channels.nextToken ?? ""
        }
    }

    public func createInjectorChannel(
        request: Harvestry_Irrigation_V1_CreateInjectorChannelRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_InjectorChannel {
        var violations = FieldViolations()
        let checked = IrrigationValidation.createInjectorChannel(request, violations: &violations)
        let scope = try Caller.authorize(
            violations,
            site: checked?.parent.site,
            roles: Self.definers,
            method: "CreateInjectorChannel"
        )
        let create = checked!
        _ = try await self.mixTank(create.parent["mix_tank"], site: create.parent.site!, in: scope)
        return .init(try await self.setupStore().createInjectorChannel(create.resource, in: scope, audit: create.audit))
    }

    public func updateInjectorChannel(
        request: Harvestry_Irrigation_V1_UpdateInjectorChannelRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_InjectorChannel {
        var violations = FieldViolations()
        let checked = IrrigationValidation.updateInjectorChannel(request, violations: &violations)
        let scope = try Caller.authorize(
            violations,
            site: checked?.name.site,
            roles: Self.definers,
            method: "UpdateInjectorChannel"
        )
        let update = checked!
        var channel = try await self.injectorChannel(update.name, in: scope)
        let fields = update.fields
        if let number = fields.channel { channel.channel = number }
        if let product = fields.nutrientProduct { channel.nutrientProductID = product }
        if let dose = fields.mlPerLiter { channel.mlPerLiter = dose }
        if let pump = fields.pump { channel.pumpID = pump }
        return .init(try await self.setupStore().updateInjectorChannel(channel, in: scope, audit: update.audit))
    }

    public func deleteInjectorChannel(
        request: Harvestry_Irrigation_V1_DeleteInjectorChannelRequest,
        context: ServerContext
    ) async throws -> Google_Protobuf_Empty {
        var violations = FieldViolations()
        let name = violations.name("name", request.name, .injectorChannel)
        let audit = violations.audit(requestID: request.requestID)
        let scope = try Caller.authorize(
            violations,
            site: name?.site,
            roles: Self.definers,
            method: "DeleteInjectorChannel"
        )
        let channel = try await self.injectorChannel(name!, in: scope)
        try await self.setupStore().deleteInjectorChannel(channel.id, in: scope, audit: audit)
        return Google_Protobuf_Empty()
    }
}
