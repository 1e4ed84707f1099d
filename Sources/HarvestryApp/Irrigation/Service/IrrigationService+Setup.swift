import API
import Domain
import Foundation
import GRPCCore

/// What the setup methods share: the store, and each resource looked up by its name (NOT_FOUND when the stored one
/// is in another site than the name says).
extension IrrigationService {
    /// The setup store; UNIMPLEMENTED when the server was built without one.
    func setupStore() throws -> any IrrigationSetupStore {
        guard let setup = self.setup else {
            throw ServiceError.make(.unimplemented, reason: "SETUP_UNAVAILABLE", "this server has no setup store")
        }
        return setup
    }

    func mixTank(_ id: UUID, site: UUID, in scope: AccessScope) async throws -> MixTank {
        let tank = try await self.setupStore().mixTank(id, in: scope)
        guard tank.siteID == site else { throw DomainError.notFound("mix_tank", id: id.lowercasedString) }
        return tank
    }

    func nutrientProduct(_ id: UUID, site: UUID, in scope: AccessScope) async throws -> NutrientProduct {
        let product = try await self.setupStore().nutrientProduct(id, in: scope)
        guard product.siteID == site else { throw DomainError.notFound("nutrient_product", id: id.lowercasedString) }
        return product
    }

    /// The channel named `name` (`sites/{site}/mixTanks/{mix_tank}/injectorChannels/{injector_channel}`).
    func injectorChannel(_ name: ResourceName, in scope: AccessScope) async throws -> InjectorChannel {
        let id = name["injector_channel"]
        let channel = try await self.setupStore().injectorChannel(id, in: scope)
        guard channel.siteID == name.site, channel.mixTankID == name["mix_tank"] else {
            throw DomainError.notFound("injector_channel", id: id.lowercasedString)
        }
        return channel
    }
}
