import API
import Domain
import Foundation
import SwiftProtobuf

/// Groups, programs and schedules as IrrigationService messages; names are built in the resource's site.
extension Harvestry_Irrigation_V1_IrrigationGroup {
    init(_ group: IrrigationGroup) {
        self.init()
        self.name = ResourcePattern.irrigationGroup.format(group.siteID, group.id)
        self.id = group.id.lowercasedString
        self.displayName = group.name
        self.zones = group.valves.map { ResourcePattern.zone.format(group.siteID, $0.zoneID) }
        self.valves = group.valves.map { valve in
            .with {
                $0.zone = ResourcePattern.zone.format(group.siteID, valve.zoneID)
                $0.valve = ResourcePattern.equipment.format(group.siteID, valve.deviceID)
                $0.loadClass = valve.loadClass == .heavyLoad ? .highLoad : .standard
            }
        }
        if let tank = group.mixTankID { self.mixTank = ResourcePattern.mixTank.format(group.siteID, tank) }
    }
}

extension Harvestry_Irrigation_V1_Program {
    init(_ program: IrrigationProgram, site: UUID) {
        self.init()
        self.name = ResourcePattern.program.format(site, program.id)
        self.id = program.id.lowercasedString
        self.displayName = program.name
        self.group = ResourcePattern.irrigationGroup.format(site, program.groupID)
        self.groupID = program.groupID.lowercasedString
        self.steps = program.steps.map { step in
            .with {
                $0.zone = ResourcePattern.zone.format(site, step.zoneID)
                $0.zoneID = step.zoneID.lowercasedString
                switch step.amount {
                case .duration(let seconds): $0.duration = seconds
                case .volumeLiters(let liters): $0.volume = liters
                }
            }
        }
        self.maxRuntime = Google_Protobuf_Duration(timeInterval: program.maxRuntime)
    }
}

extension Harvestry_Irrigation_V1_Schedule {
    /// `now` is the instant `next_fire_time` is computed from.
    init(_ schedule: IrrigationSchedule, site: UUID, now: Date) {
        self.init()
        self.name = ResourcePattern.schedule.format(site, schedule.id)
        self.id = schedule.id.lowercasedString
        self.program = ResourcePattern.program.format(site, schedule.programID)
        switch schedule.trigger {
        case .timeOfDay(let time, let days):
            self.timeOfDay = String(format: "%02d:%02d", time.hour, time.minute)
            self.days = days.map(\.rawValue).sorted().compactMap(Harvestry_Irrigation_V1_Weekday.init(rawValue:))
        case .batchPhaseChange(let phase):
            self.phase = phase
        }
        self.timeZone = schedule.timeZoneIdentifier
        self.enabled = schedule.enabled
        if let next = try? schedule.nextFire(after: now) { self.nextFireTime = Google_Protobuf_Timestamp(date: next) }
    }
}
