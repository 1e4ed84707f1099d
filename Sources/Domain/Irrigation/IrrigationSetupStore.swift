import Foundation

/// What setting a site's irrigation up needs stored: the supply (mix tanks, their injector channels, nutrient
/// products) and, as the run engine reads them (`IrrigationEngineStore`), the site's settings and each group's
/// interlock sources.
///
/// Everything runs under the caller's `AccessScope`; every change validates first and writes its audit row in its
/// transaction. A delete that would orphan a reference is FAILED_PRECONDITION naming what refers to it.
public protocol IrrigationSetupStore: Sendable {
    func createMixTank(_ tank: MixTank, in scope: AccessScope, audit: AuditContext) async throws -> MixTank
    func mixTank(_ id: UUID, in scope: AccessScope) async throws -> MixTank
    func listMixTanks(siteID: UUID, in scope: AccessScope, page: PageRequest) async throws -> Page<MixTank>
    /// Replaces the name, capacity and level sensor (the code stays).
    func updateMixTank(_ tank: MixTank, in scope: AccessScope, audit: AuditContext) async throws -> MixTank
    /// Deletes the tank and its channels. FAILED_PRECONDITION (`MIX_TANK_IN_USE`) while a group draws from it.
    func deleteMixTank(_ id: UUID, in scope: AccessScope, audit: AuditContext) async throws

    func createNutrientProduct(
        _ product: NutrientProduct,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> NutrientProduct
    func nutrientProduct(_ id: UUID, in scope: AccessScope) async throws -> NutrientProduct
    func listNutrientProducts(
        siteID: UUID,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<NutrientProduct>
    /// Replaces the name and manufacturer (the code stays).
    func updateNutrientProduct(
        _ product: NutrientProduct,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> NutrientProduct
    /// FAILED_PRECONDITION (`NUTRIENT_PRODUCT_IN_USE`) while an injector channel doses it.
    func deleteNutrientProduct(_ id: UUID, in scope: AccessScope, audit: AuditContext) async throws

    func createInjectorChannel(
        _ channel: InjectorChannel,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> InjectorChannel
    func injectorChannel(_ id: UUID, in scope: AccessScope) async throws -> InjectorChannel
    /// A tank's channels in channel order.
    func listInjectorChannels(
        mixTankID: UUID,
        in scope: AccessScope,
        page: PageRequest
    ) async throws -> Page<InjectorChannel>
    /// Replaces the channel number, product, dose and pump (the tank stays).
    func updateInjectorChannel(
        _ channel: InjectorChannel,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> InjectorChannel
    func deleteInjectorChannel(_ id: UUID, in scope: AccessScope, audit: AuditContext) async throws

    /// The site's settings; the defaults when none are stored.
    func settings(siteID: UUID, in scope: AccessScope) async throws -> IrrigationSiteSettings
    /// Validates and stores the site's settings, with an audit row.
    func saveSettings(_ settings: IrrigationSiteSettings, in scope: AccessScope, audit: AuditContext) async throws
    /// Reads the site's settings, applies `change` and stores the result (validated, audited) atomically: no update
    /// that commits meanwhile is lost. Returns what was stored.
    func updateSettings(
        siteID: UUID,
        in scope: AccessScope,
        audit: AuditContext,
        _ change: @Sendable (IrrigationSiteSettings) throws -> IrrigationSiteSettings
    ) async throws -> IrrigationSiteSettings
    /// The group's configured sources.
    func interlockSources(groupID: UUID, in scope: AccessScope) async throws -> [InterlockInput: InterlockSource]
    /// Sets each input of `changes` to its source (nil removes it), in one transaction with an audit row per input.
    func setInterlockSources(
        _ changes: [InterlockInput: InterlockSource?],
        groupID: UUID,
        in scope: AccessScope,
        audit: AuditContext
    ) async throws -> [InterlockInput: InterlockSource]
}
