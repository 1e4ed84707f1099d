import API
import Domain
import Foundation
import SwiftProtobuf

/// The setup resources as IrrigationService messages; names are built in the resource's site.
extension Harvestry_Irrigation_V1_MixTank {
    init(_ tank: MixTank) {
        self.init()
        self.name = ResourcePattern.mixTank.format(tank.siteID, tank.id)
        self.id = tank.id.lowercasedString
        self.code = tank.code
        self.displayName = tank.name
        self.capacityLiters = tank.capacityLiters
        if let sensor = tank.levelSensorID { self.levelSensor = ResourcePattern.equipment.format(tank.siteID, sensor) }
        if let created = tank.createdAt { self.createTime = Google_Protobuf_Timestamp(date: created) }
    }
}

extension Harvestry_Irrigation_V1_NutrientProduct {
    init(_ product: NutrientProduct) {
        self.init()
        self.name = ResourcePattern.nutrientProduct.format(product.siteID, product.id)
        self.id = product.id.lowercasedString
        self.code = product.code
        self.displayName = product.name
        self.manufacturer = product.manufacturer ?? ""
        if let created = product.createdAt { self.createTime = Google_Protobuf_Timestamp(date: created) }
    }
}

extension Harvestry_Irrigation_V1_InjectorChannel {
    init(_ channel: InjectorChannel) {
        self.init()
        let site = channel.siteID
        self.name = ResourcePattern.injectorChannel.format(site, channel.mixTankID, channel.id)
        self.id = channel.id.lowercasedString
        self.channel = Int32(channel.channel)
        if let product = channel.nutrientProductID {
            self.nutrientProduct = ResourcePattern.nutrientProduct.format(site, product)
        }
        if let dose = channel.mlPerLiter { self.mlPerLiter = dose }
        if let pump = channel.pumpID { self.pump = ResourcePattern.equipment.format(site, pump) }
        if let created = channel.createdAt { self.createTime = Google_Protobuf_Timestamp(date: created) }
    }
}

extension Harvestry_Irrigation_V1_InterlockInput {
    init(_ input: InterlockInput) {
        self =
            switch input {
            case .eStop: .estop
            case .door: .door
            case .co2Exhaust: .co2Exhaust
            case .tankLevel: .tankLevel
            case .ec: .ec
            case .ph: .ph
            }
    }
}

extension Harvestry_Irrigation_V1_IrrigationSettings {
    init(_ settings: IrrigationSiteSettings) {
        self.init()
        let policy = settings.policy
        self.name = ResourcePattern.irrigationSettings.format(settings.siteID)
        self.manualApproval = settings.manualApproval
        self.staleAfter = Google_Protobuf_Duration(timeInterval: policy.staleAfter)
        // In the domain's declaration order, so a read is stable.
        self.requiredInputs = InterlockInput.allCases.filter(policy.requiredInputs.contains).map { .init($0) }
        self.tankMinimumPercent = policy.tankMinimumPercent
        self.ecMin = policy.ecBounds.lowerBound
        self.ecMax = policy.ecBounds.upperBound
        self.phMin = policy.phBounds.lowerBound
        self.phMax = policy.phBounds.upperBound
        self.alarmDelays = InterlockReason.allCases.compactMap { reason in
            policy.alarmDelays[reason].map { delay in
                .with {
                    $0.reason = .init(reason)
                    $0.delay = Google_Protobuf_Duration(timeInterval: delay)
                }
            }
        }
        self.commandExpiry = Google_Protobuf_Duration(timeInterval: settings.commandTiming.expiry)
        self.commandAckTimeout = Google_Protobuf_Duration(timeInterval: settings.commandTiming.ackTimeout)
        self.commandMaxAttempts = Int32(settings.commandTiming.maxAttempts)
    }
}

extension Harvestry_Irrigation_V1_InterlockSources {
    init(_ sources: [InterlockInput: InterlockSource], group: UUID, site: UUID) {
        self.init()
        self.name = ResourcePattern.interlockSources.format(site, group)
        for (input, source) in sources {
            let message = Harvestry_Irrigation_V1_InterlockSource(source, site: site)
            switch input {
            case .eStop: self.estop = message
            case .door: self.door = message
            case .co2Exhaust: self.co2Exhaust = message
            case .tankLevel: self.tankLevel = message
            case .ec: self.ec = message
            case .ph: self.ph = message
            }
        }
    }

    /// The message's source of `input`, if set.
    func source(_ input: InterlockInput) -> Harvestry_Irrigation_V1_InterlockSource? {
        switch input {
        case .eStop: self.hasEstop ? self.estop : nil
        case .door: self.hasDoor ? self.door : nil
        case .co2Exhaust: self.hasCo2Exhaust ? self.co2Exhaust : nil
        case .tankLevel: self.hasTankLevel ? self.tankLevel : nil
        case .ec: self.hasEc ? self.ec : nil
        case .ph: self.hasPh ? self.ph : nil
        }
    }
}

extension Harvestry_Irrigation_V1_InterlockSource {
    init(_ source: InterlockSource, site: UUID) {
        self.init()
        switch source {
        case .deviceState(let device, let property):
            self.deviceState = .with {
                $0.device = ResourcePattern.equipment.format(site, device)
                $0.property = property
            }
        case .stream(let stream):
            self.stream = ResourcePattern.stream.format(site, stream)
        }
    }
}
