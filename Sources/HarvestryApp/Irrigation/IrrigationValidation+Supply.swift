import API
import Domain
import Foundation
import SwiftProtobuf

/// Create and update requests of mix tanks, nutrient products and injector channels. Each field is checked on its
/// own (every violation is reported), with the Domain's rules (`MixTank`, `NutrientProduct`, `InjectorChannel`);
/// references must name resources of the request's site. Each returns nil after recording every violation.
extension IrrigationValidation {
    static let mixTankPaths: Set<String> = ["display_name", "capacity_liters", "level_sensor"]
    static let nutrientProductPaths: Set<String> = ["display_name", "manufacturer"]
    static let injectorChannelPaths: Set<String> = ["channel", "nutrient_product", "ml_per_liter", "pump"]

    /// A resource to create in `site` (or, for a channel, in `parent`'s mix tank).
    struct Create<Resource: Sendable>: Sendable {
        var parent: ResourceName
        var resource: Resource
        var audit: AuditContext
    }

    // MARK: - Mix tanks

    static func createMixTank(
        _ request: Harvestry_Irrigation_V1_CreateMixTankRequest,
        violations: inout FieldViolations
    ) -> Create<MixTank>? {
        let parent = violations.name("parent", request.parent, .site)
        let site = parent?.site
        let tank = request.mixTank
        let code = violations.code("mix_tank.code", tank.code)
        let displayName = violations.text("mix_tank.display_name", tank.displayName)
        let capacity = Self.capacity(tank.capacityLiters, violations: &violations)
        let sensor = Self.equipment("mix_tank.level_sensor", tank.levelSensor, site: site, violations: &violations)
        let audit = violations.audit(requestID: request.requestID)
        guard let parent, let site, let code, let displayName, let capacity, violations.isEmpty else { return nil }
        let created = MixTank(
            siteID: site,
            code: code,
            name: displayName,
            capacityLiters: capacity,
            levelSensorID: sensor ?? nil
        )
        violations.domain({ $0 }) { try created.validate() }
        return violations.isEmpty ? Create(parent: parent, resource: created, audit: audit) : nil
    }

    /// The masked fields applied to the stored tank by `apply`.
    static func updateMixTank(
        _ request: Harvestry_Irrigation_V1_UpdateMixTankRequest,
        violations: inout FieldViolations
    ) -> Update<(displayName: String?, capacity: Double?, levelSensor: UUID??)>? {
        let tank = request.mixTank
        let name = violations.name("mix_tank.name", tank.name, .mixTank)
        let paths = violations.updateMask(request.updateMask, allowed: Self.mixTankPaths)
        let displayName =
            paths.contains("display_name") ? violations.text("mix_tank.display_name", tank.displayName) : nil
        let capacity =
            paths.contains("capacity_liters") ? Self.capacity(tank.capacityLiters, violations: &violations) : nil
        let sensor =
            paths.contains("level_sensor")
            ? Self.equipment("mix_tank.level_sensor", tank.levelSensor, site: name?.site, violations: &violations)
            : nil
        let audit = violations.audit(requestID: request.requestID)
        guard let name, violations.isEmpty else { return nil }
        return Update(name: name, paths: paths, fields: (displayName, capacity, sensor), audit: audit)
    }

    static func capacity(_ liters: Double, violations: inout FieldViolations) -> Double? {
        let before = violations.violations.count
        let candidate = MixTank(siteID: UUID(), code: "TANK", name: "tank", capacityLiters: liters)
        violations.domain({ $0 }) { try candidate.validate() }
        return violations.violations.count == before ? liters : nil
    }

    // MARK: - Nutrient products

    static func createNutrientProduct(
        _ request: Harvestry_Irrigation_V1_CreateNutrientProductRequest,
        violations: inout FieldViolations
    ) -> Create<NutrientProduct>? {
        let parent = violations.name("parent", request.parent, .site)
        let product = request.nutrientProduct
        let code = violations.code("nutrient_product.code", product.code)
        let displayName = violations.text("nutrient_product.display_name", product.displayName)
        let manufacturer = Self.manufacturer(product.manufacturer, violations: &violations)
        let audit = violations.audit(requestID: request.requestID)
        guard let parent, let site = parent.site, let code, let displayName, violations.isEmpty else { return nil }
        let created = NutrientProduct(siteID: site, code: code, name: displayName, manufacturer: manufacturer ?? nil)
        violations.domain({ $0 }) { try created.validate() }
        return violations.isEmpty ? Create(parent: parent, resource: created, audit: audit) : nil
    }

    static func updateNutrientProduct(
        _ request: Harvestry_Irrigation_V1_UpdateNutrientProductRequest,
        violations: inout FieldViolations
    ) -> Update<(displayName: String?, manufacturer: String??)>? {
        let product = request.nutrientProduct
        let name = violations.name("nutrient_product.name", product.name, .nutrientProduct)
        let paths = violations.updateMask(request.updateMask, allowed: Self.nutrientProductPaths)
        let displayName =
            paths.contains("display_name")
            ? violations.text("nutrient_product.display_name", product.displayName) : nil
        let manufacturer =
            paths.contains("manufacturer") ? Self.manufacturer(product.manufacturer, violations: &violations) : nil
        let audit = violations.audit(requestID: request.requestID)
        guard let name, violations.isEmpty else { return nil }
        return Update(name: name, paths: paths, fields: (displayName, manufacturer), audit: audit)
    }

    /// Empty is none (`.some(nil)`); nil after a violation.
    static func manufacturer(_ value: String, violations: inout FieldViolations) -> String?? {
        guard !value.isEmpty else { return .some(nil) }
        return violations.text("nutrient_product.manufacturer", value).map { .some($0) }
    }

    // MARK: - Injector channels

    /// What a create or update gives of a channel; each reference nil when empty.
    struct ChannelFields: Sendable, Hashable {
        var channel: Int?
        var nutrientProduct: UUID??
        var mlPerLiter: Double??
        var pump: UUID??
    }

    static func createInjectorChannel(
        _ request: Harvestry_Irrigation_V1_CreateInjectorChannelRequest,
        violations: inout FieldViolations
    ) -> Create<InjectorChannel>? {
        let parent = violations.name("parent", request.parent, .mixTank)
        let fields = Self.channelFields(
            request.injectorChannel,
            paths: Self.injectorChannelPaths,
            site: parent?.site,
            violations: &violations
        )
        let audit = violations.audit(requestID: request.requestID)
        guard let parent, let site = parent.site, let number = fields.channel, violations.isEmpty else { return nil }
        let created = InjectorChannel(
            siteID: site,
            mixTankID: parent["mix_tank"],
            channel: number,
            nutrientProductID: fields.nutrientProduct ?? nil,
            mlPerLiter: fields.mlPerLiter ?? nil,
            pumpID: fields.pump ?? nil
        )
        violations.domain({ $0 }) { try created.validate() }
        return violations.isEmpty ? Create(parent: parent, resource: created, audit: audit) : nil
    }

    static func updateInjectorChannel(
        _ request: Harvestry_Irrigation_V1_UpdateInjectorChannelRequest,
        violations: inout FieldViolations
    ) -> Update<ChannelFields>? {
        let channel = request.injectorChannel
        let name = violations.name("injector_channel.name", channel.name, .injectorChannel)
        let paths = violations.updateMask(request.updateMask, allowed: Self.injectorChannelPaths)
        let fields = Self.channelFields(channel, paths: paths, site: name?.site, violations: &violations)
        let audit = violations.audit(requestID: request.requestID)
        guard let name, violations.isEmpty else { return nil }
        return Update(name: name, paths: paths, fields: fields, audit: audit)
    }

    /// The fields among `paths`: the number 1-16, a product and a pump of `site`, a dose 0-100 ml/l.
    static func channelFields(
        _ channel: Harvestry_Irrigation_V1_InjectorChannel,
        paths: Set<String>,
        site: UUID?,
        violations: inout FieldViolations
    ) -> ChannelFields {
        var fields = ChannelFields()
        if paths.contains("channel") {
            let number = Int(channel.channel)
            let candidate = InjectorChannel(siteID: UUID(), mixTankID: UUID(), channel: number)
            let before = violations.violations.count
            violations.domain({ $0 }) { try candidate.validate() }
            if violations.violations.count == before { fields.channel = number }
        }
        if paths.contains("nutrient_product") {
            fields.nutrientProduct = Self.reference(
                "injector_channel.nutrient_product",
                channel.nutrientProduct,
                .nutrientProduct,
                variable: "nutrient_product",
                site: site,
                violations: &violations
            )
        }
        if paths.contains("ml_per_liter") {
            let dose = channel.hasMlPerLiter ? channel.mlPerLiter : nil
            let candidate = InjectorChannel(siteID: UUID(), mixTankID: UUID(), channel: 1, mlPerLiter: dose)
            let before = violations.violations.count
            violations.domain({ $0 }) { try candidate.validate() }
            if violations.violations.count == before { fields.mlPerLiter = .some(dose) }
        }
        if paths.contains("pump") {
            fields.pump = Self.equipment("injector_channel.pump", channel.pump, site: site, violations: &violations)
        }
        return fields
    }

    // MARK: - References

    /// An optional equipment name of `site`: `.some(nil)` when empty, nil after a violation.
    static func equipment(_ field: String, _ value: String, site: UUID?, violations: inout FieldViolations) -> UUID?? {
        Self.reference(field, value, .equipment, variable: "equipment", site: site, violations: &violations)
    }

    /// An optional resource name of `site`: `.some(nil)` when empty, nil after a violation.
    static func reference(
        _ field: String,
        _ value: String,
        _ pattern: ResourcePattern,
        variable: String,
        site: UUID?,
        violations: inout FieldViolations
    ) -> UUID?? {
        guard !value.isEmpty else { return .some(nil) }
        guard let name = violations.name(field, value, pattern, inSite: site) else { return nil }
        return .some(name[variable])
    }
}

extension IrrigationValidation {
    /// `irrigation_group.mix_tank`: a mix tank of `site`, or empty for none (`.some(nil)`); nil after a violation.
    static func groupMixTank(_ value: String, site: UUID?, violations: inout FieldViolations) -> UUID?? {
        Self.reference(
            "irrigation_group.mix_tank",
            value,
            .mixTank,
            variable: "mix_tank",
            site: site,
            violations: &violations
        )
    }
}
