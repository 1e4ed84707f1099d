import API
import Domain
import Foundation
import SwiftProtobuf

extension ResourcePattern {
    static let stream = ResourcePattern("sites/{site}/streams/{stream}")
    static let alertRule = ResourcePattern("sites/{site}/alertRules/{alert_rule}")
    static let alert = ResourcePattern("sites/{site}/alerts/{alert}")
}

extension Harvestry_Telemetry_V1_SensorStream {
    init(_ stream: SensorStream) {
        self = .with {
            $0.name = ResourcePattern.stream.format(stream.siteID, stream.id)
            $0.device = ResourcePattern.equipment.format(stream.siteID, stream.deviceID)
            $0.key = stream.key
            $0.type = .init(stream.type)
            $0.unit = stream.unit.rawValue
            $0.displayName = stream.displayName ?? ""
            $0.zone = stream.zoneID.map { ResourcePattern.zone.format(stream.siteID, $0) } ?? ""
            $0.createTime = Google_Protobuf_Timestamp(date: stream.createdAt)
        }
    }
}

extension Harvestry_Telemetry_V1_StreamType {
    init(_ type: StreamType) {
        switch type {
        case .temperature: self = .temperature
        case .humidity: self = .humidity
        case .ec: self = .ec
        case .ph: self = .ph
        case .moisture: self = .moisture
        case .co2: self = .co2
        case .vpd: self = .vpd
        case .pressure: self = .pressure
        case .ppfd: self = .ppfd
        case .flow: self = .flow
        case .tds: self = .tds
        case .power: self = .power
        case .energy: self = .energy
        case .voltage: self = .voltage
        case .current: self = .current
        case .frequency: self = .frequency
        case .stateOfCharge: self = .stateOfCharge
        case .stateOfHealth: self = .stateOfHealth
        }
    }

    var domain: StreamType? {
        switch self {
        case .temperature: .temperature
        case .humidity: .humidity
        case .ec: .ec
        case .ph: .ph
        case .moisture: .moisture
        case .co2: .co2
        case .vpd: .vpd
        case .pressure: .pressure
        case .ppfd: .ppfd
        case .flow: .flow
        case .tds: .tds
        case .power: .power
        case .energy: .energy
        case .voltage: .voltage
        case .current: .current
        case .frequency: .frequency
        case .stateOfCharge: .stateOfCharge
        case .stateOfHealth: .stateOfHealth
        default: nil
        }
    }
}

extension Harvestry_Telemetry_V1_Resolution {
    var domain: SeriesResolution? {
        switch self {
        case .unspecified, .raw: .raw
        case .oneMinute: .oneMinute
        case .fiveMinutes: .fiveMinutes
        case .oneHour: .oneHour
        default: nil
        }
    }
}

extension Harvestry_Telemetry_V1_SeriesPoint {
    init(_ point: SeriesPoint) {
        self = .with {
            $0.time = Google_Protobuf_Timestamp(date: point.time)
            $0.min = point.aggregate.min
            $0.max = point.aggregate.max
            $0.avg = point.aggregate.average
            $0.count = point.aggregate.count
            $0.last = point.aggregate.last
        }
    }
}

extension Harvestry_Telemetry_V1_ReadingUpdate {
    init(_ reading: Reading, stream: SensorStream) {
        self = .with {
            $0.stream = ResourcePattern.stream.format(stream.siteID, stream.id)
            $0.streamID = stream.id.uuidString.lowercased()
            $0.value = reading.value
            $0.unit = stream.unit.rawValue
            $0.timestamp = Google_Protobuf_Timestamp(date: reading.time)
            $0.device = ResourcePattern.equipment.format(stream.siteID, stream.deviceID)
        }
    }
}

extension Harvestry_Telemetry_V1_AlertRule {
    init(_ rule: AlertRule) {
        self = .with {
            $0.name = ResourcePattern.alertRule.format(rule.siteID, rule.id)
            $0.stream = ResourcePattern.stream.format(rule.siteID, rule.streamID)
            switch rule.kind {
            case .threshold: $0.kind = .threshold
            case .deviation: $0.kind = .deviation
            case .rateOfChange: $0.kind = .rateOfChange
            }
            $0.displayName = rule.displayName ?? ""
            if let lower = rule.lower { $0.lower = lower }
            if let upper = rule.upper { $0.upper = upper }
            $0.target = rule.target
            $0.band = rule.band
            $0.duration = Google_Protobuf_Duration(rounding: rule.duration, rule: .toNearestOrAwayFromZero)
            $0.ratePerMinute = rule.ratePerMinute
        }
    }
}

extension Harvestry_Telemetry_V1_Alert {
    init(_ alert: AlertInstance) {
        self = .with {
            $0.name = ResourcePattern.alert.format(alert.siteID, alert.id)
            $0.alertRule = ResourcePattern.alertRule.format(alert.siteID, alert.ruleID)
            $0.stream = ResourcePattern.stream.format(alert.siteID, alert.streamID)
            $0.fireTime = Google_Protobuf_Timestamp(date: alert.firedAt)
            if let cleared = alert.clearedAt { $0.endTime = Google_Protobuf_Timestamp(date: cleared) }
            $0.value = alert.value
            $0.message = alert.message
        }
    }
}
