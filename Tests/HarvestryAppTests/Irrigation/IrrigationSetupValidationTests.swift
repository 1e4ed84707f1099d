import API
import Domain
import Foundation
import SwiftProtobuf
import Testing

@testable import HarvestryApp

/// The setup API's pure validation: each broken field named by its proto path, masked settings applied to the
/// stored ones with the bounds' order checked against them.
@Suite("IrrigationService setup validation")
struct IrrigationSetupValidationTests {
    typealias F = IrrigationFixtures

    static var tankName: String { "\(F.parent)/mixTanks/\(F.group)" }

    struct SettingsCase: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let paths: [String]
        let expected: [String]
        let change: @Sendable (inout Harvestry_Irrigation_V1_IrrigationSettings) -> Void
    }

    static let settingsCases: [SettingsCase] = [
        SettingsCase(
            testDescription: "stale_after of 0 s",
            paths: ["stale_after"],
            expected: ["irrigation_settings.stale_after"]
        ) {
            $0.staleAfter = .init()
        },
        SettingsCase(
            testDescription: "a tank minimum over 100 %",
            paths: ["tank_minimum_percent"],
            expected: ["irrigation_settings.tank_minimum_percent"]
        ) {
            $0.tankMinimumPercent = 101
        },
        SettingsCase(
            testDescription: "a required input twice",
            paths: ["required_inputs"],
            expected: ["irrigation_settings.required_inputs[1]"]
        ) {
            $0.requiredInputs = [.ec, .ec]
        },
        SettingsCase(
            testDescription: "an unspecified required input",
            paths: ["required_inputs"],
            expected: ["irrigation_settings.required_inputs[0]"]
        ) {
            $0.requiredInputs = [.unspecified]
        },
        SettingsCase(
            testDescription: "a delay for a reason that acts at once",
            paths: ["alarm_delays"],
            expected: ["irrigation_settings.alarm_delays"]
        ) {
            $0.alarmDelays = [.with { $0.reason = .doorOpen }]
        },
        SettingsCase(
            testDescription: "a delay listed twice",
            paths: ["alarm_delays"],
            expected: ["irrigation_settings.alarm_delays[1].reason"]
        ) {
            $0.alarmDelays = [.with { $0.reason = .tankLow }, .with { $0.reason = .tankLow }]
        },
        SettingsCase(
            testDescription: "11 attempts and a 0 s expiry",
            paths: ["command_max_attempts", "command_expiry"],
            expected: ["irrigation_settings.command_expiry", "irrigation_settings.command_max_attempts"]
        ) {
            $0.commandMaxAttempts = 11
        },
        SettingsCase(testDescription: "pH above 14", paths: ["ph_max"], expected: ["irrigation_settings.ph_max"]) {
            $0.phMax = 14.5
        },
        SettingsCase(testDescription: "an unknown path", paths: ["concurrency_cap"], expected: ["update_mask"]) { _ in
        },
    ]

    @Test("each broken settings field is named", arguments: Self.settingsCases)
    func brokenSettingsField(_ testCase: SettingsCase) {
        var request = Harvestry_Irrigation_V1_UpdateIrrigationSettingsRequest()
        request.irrigationSettings.name = "\(F.parent)/irrigationSettings"
        request.updateMask.paths = testCase.paths
        testCase.change(&request.irrigationSettings)
        #expect(F.fields { _ = IrrigationValidation.updateSettings(request, violations: &$0) } == testCase.expected)
    }

    @Test("the bounds' order is checked against the stored other bound")
    func boundsAgainstStored() throws {
        let site = try #require(UUID(uuidString: F.site))
        let stored = IrrigationSiteSettings(siteID: site)  // EC 0.5 ... 3.5
        let raised = IrrigationValidation.SettingsPatch(ecMin: 3)
        #expect(try raised.apply(to: stored).policy.ecBounds == 3...3.5)
        let crossed = IrrigationValidation.SettingsPatch(ecMin: 4)
        #expect(F.fields { _ = crossed.apply(to: stored, violations: &$0) } == ["irrigation_settings.ec_min"])
        let both = IrrigationValidation.SettingsPatch(ecMin: 4, ecMax: 5)
        #expect(try both.apply(to: stored).policy.ecBounds == 4...5)
    }

    @Test("tank, product and channel fields are named; references must be the request's site")
    func supplyFields() {
        var tank = Harvestry_Irrigation_V1_CreateMixTankRequest()
        tank.parent = F.parent
        tank.mixTank.code = "TANK 1"
        tank.mixTank.displayName = "ok"
        tank.mixTank.capacityLiters = .nan
        tank.mixTank.levelSensor = "sites/\(F.otherSite)/equipment/\(F.group)"
        #expect(
            F.fields { _ = IrrigationValidation.createMixTank(tank, violations: &$0) } == [
                "mix_tank.code", "mix_tank.capacity_liters", "mix_tank.level_sensor",
            ]
        )
        var product = Harvestry_Irrigation_V1_UpdateNutrientProductRequest()
        product.nutrientProduct.name = "\(F.parent)/nutrientProducts/\(F.group)"
        product.nutrientProduct.manufacturer = String(repeating: "m", count: 201)
        product.updateMask.paths = ["manufacturer"]
        #expect(
            F.fields { _ = IrrigationValidation.updateNutrientProduct(product, violations: &$0) } == [
                "nutrient_product.manufacturer"
            ]
        )
        var channel = Harvestry_Irrigation_V1_CreateInjectorChannelRequest()
        channel.parent = Self.tankName
        channel.injectorChannel.channel = 3
        channel.injectorChannel.mlPerLiter = -1
        channel.injectorChannel.pump = "zones/1"
        #expect(
            F.fields { _ = IrrigationValidation.createInjectorChannel(channel, violations: &$0) } == [
                "injector_channel.ml_per_liter", "injector_channel.pump",
            ]
        )
        channel.injectorChannel.mlPerLiter = 1
        channel.injectorChannel.pump = ""
        var violations = FieldViolations()
        let created = IrrigationValidation.createInjectorChannel(channel, violations: &violations)
        #expect(created?.resource.mixTankID == UUID(uuidString: F.group) && created?.resource.pumpID == nil)
    }

    @Test("interlock sources: a masked input unset is removed; a stream of another site is named")
    func interlockSources() {
        var request = Harvestry_Irrigation_V1_UpdateInterlockSourcesRequest()
        request.interlockSources.name = "\(F.groupName)/interlockSources"
        request.interlockSources.tankLevel.stream = "\(F.parent)/streams/\(F.program)"
        request.updateMask.paths = ["tank_level", "door"]
        var violations = FieldViolations()
        let update = IrrigationValidation.updateInterlockSources(request, violations: &violations)
        #expect(
            update?.fields == [.tankLevel: .stream(UUID(uuidString: F.program)!), .door: InterlockSource?.none]
        )
        request.interlockSources.tankLevel.stream = "sites/\(F.otherSite)/streams/\(F.program)"
        #expect(
            F.fields { _ = IrrigationValidation.updateInterlockSources(request, violations: &$0) } == [
                "interlock_sources.tank_level.stream"
            ]
        )
    }
}
