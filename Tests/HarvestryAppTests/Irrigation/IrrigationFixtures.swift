import API
import Foundation
import GRPCProtobuf
import SwiftProtobuf

@testable import HarvestryApp

/// Valid irrigation requests of one site, for tests to break one field at a time.
enum IrrigationFixtures {
    static let site = "3f2b8c1e-7a44-4c1b-9a0e-5d6c7b8a9f01"
    static let otherSite = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    static let group = "6c0e8f7a-1b2d-4e3f-8a9b-0c1d2e3f4a5b"
    static let program = "7d1f9a8b-2c3e-4f5a-9b0c-1d2e3f4a5b6c"
    static let run = "8e2a0b9c-3d4f-4a6b-8c1d-2e3f4a5b6c7d"
    static let zones = [
        "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
        "3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f",
    ]

    static var parent: String { "sites/\(Self.site)" }
    static func zone(_ index: Int, site: String = Self.site) -> String { "sites/\(site)/zones/\(Self.zones[index])" }
    static var groupName: String { "sites/\(Self.site)/irrigationGroups/\(Self.group)" }
    static var programName: String { "sites/\(Self.site)/irrigationPrograms/\(Self.program)" }
    static var runName: String { "sites/\(Self.site)/irrigationRuns/\(Self.run)" }

    static func step(zone: Int, duration: Double? = nil, volume: Double? = nil) -> Harvestry_Irrigation_V1_ProgramStep {
        .with {
            $0.zone = Self.zone(zone)
            if let duration { $0.duration = duration }
            if let volume { $0.volume = volume }
        }
    }

    /// Two steps (300 s on zone 0, 20 L on zone 1), default max runtime.
    static var createProgram: Harvestry_Irrigation_V1_CreateProgramRequest {
        .with {
            $0.parent = Self.parent
            $0.program = .with {
                $0.displayName = "Flower 1 morning"
                $0.group = Self.groupName
                $0.steps = [Self.step(zone: 0, duration: 300), Self.step(zone: 1, volume: 20)]
            }
        }
    }

    static var createGroup: Harvestry_Irrigation_V1_CreateIrrigationGroupRequest {
        .with {
            $0.parent = Self.parent
            $0.irrigationGroup = .with {
                $0.displayName = "Flower 1 drip"
                $0.zones = [Self.zone(0), Self.zone(1)]
            }
        }
    }

    /// 06:30 on Monday and Thursday in Denver.
    static var createSchedule: Harvestry_Irrigation_V1_CreateScheduleRequest {
        .with {
            $0.parent = Self.parent
            $0.schedule = .with {
                $0.program = Self.programName
                $0.timeOfDay = "06:30"
                $0.days = [.monday, .thursday]
                $0.timeZone = "America/Denver"
            }
        }
    }

    /// The fields `check` names, in order.
    static func fields(_ check: (inout FieldViolations) -> Void) -> [String] {
        var violations = FieldViolations()
        check(&violations)
        return violations.violations.map(\.field)
    }
}
