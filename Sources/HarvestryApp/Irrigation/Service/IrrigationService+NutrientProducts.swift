import API
import Domain
import Foundation
import GRPCCore
import SwiftProtobuf

/// Nutrient products: read by any role of the site, defined by admins and managers.
extension IrrigationService {
    public func getNutrientProduct(
        request: Harvestry_Irrigation_V1_GetNutrientProductRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_NutrientProduct {
        var violations = FieldViolations()
        let name = violations.name("name", request.name, .nutrientProduct)
        let scope = try Caller.authorize(violations, site: name?.site, method: "GetNutrientProduct")
        return .init(try await self.nutrientProduct(name!["nutrient_product"], site: name!.site!, in: scope))
    }

    public func listNutrientProducts(
        request: Harvestry_Irrigation_V1_ListNutrientProductsRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_ListNutrientProductsResponse {
        var violations = FieldViolations()
        let (site, page) = Self.listing(
            parent: request.parent,
            pageSize: request.pageSize,
            pageToken: request.pageToken,
            violations: &violations
        )
        let scope = try Caller.authorize(violations, site: site, method: "ListNutrientProducts")
        let products = try await self.setupStore().listNutrientProducts(siteID: site!, in: scope, page: page)
        return .with {
            $0.nutrientProducts = products.items.map(Harvestry_Irrigation_V1_NutrientProduct.init)
            $0.nextPageToken = products.nextToken ?? ""
        }
    }

    public func createNutrientProduct(
        request: Harvestry_Irrigation_V1_CreateNutrientProductRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_NutrientProduct {
        var violations = FieldViolations()
        let checked = IrrigationValidation.createNutrientProduct(request, violations: &violations)
        let scope = try Caller.authorize(
            violations,
            site: checked?.parent.site,
            roles: Self.definers,
            method: "CreateNutrientProduct"
        )
        let create = checked!
        return .init(try await self.setupStore().createNutrientProduct(create.resource, in: scope, audit: create.audit))
    }

    public func updateNutrientProduct(
        request: Harvestry_Irrigation_V1_UpdateNutrientProductRequest,
        context: ServerContext
    ) async throws -> Harvestry_Irrigation_V1_NutrientProduct {
        var violations = FieldViolations()
        let checked = IrrigationValidation.updateNutrientProduct(request, violations: &violations)
        let scope = try Caller.authorize(
            violations,
            site: checked?.name.site,
            roles: Self.definers,
            method: "UpdateNutrientProduct"
        )
        let update = checked!
        var product = try await self.nutrientProduct(
            update.name["nutrient_product"],
            site: update.name.site!,
            in: scope
        )
        if let displayName = update.fields.displayName { product.name = displayName }
        if let manufacturer = update.fields.manufacturer { product.manufacturer = manufacturer }
        return .init(try await self.setupStore().updateNutrientProduct(product, in: scope, audit: update.audit))
    }

    public func deleteNutrientProduct(
        request: Harvestry_Irrigation_V1_DeleteNutrientProductRequest,
        context: ServerContext
    ) async throws -> Google_Protobuf_Empty {
        var violations = FieldViolations()
        let name = violations.name("name", request.name, .nutrientProduct)
        let audit = violations.audit(requestID: request.requestID)
        let scope = try Caller.authorize(
            violations,
            site: name?.site,
            roles: Self.definers,
            method: "DeleteNutrientProduct"
        )
        let id = name!["nutrient_product"]
        _ = try await self.nutrientProduct(id, site: name!.site!, in: scope)
        try await self.setupStore().deleteNutrientProduct(id, in: scope, audit: audit)
        return Google_Protobuf_Empty()
    }
}
