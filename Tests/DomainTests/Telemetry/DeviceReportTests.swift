import Domain
import Foundation
import Testing

@Suite("Device event and state validation")
struct DeviceReportTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func event(_ change: (inout DeviceEvent) -> Void = { _ in }) -> DeviceEvent {
        var event = DeviceEvent(
            siteID: UUID(),
            deviceID: UUID(),
            eventID: "evt-1:a",
            code: "ESTOP_OPEN",
            severity: .critical,
            message: "estop",
            attributes: ["zone": "a"],
            occurredAt: Self.now
        )
        change(&event)
        return event
    }

    static func state(_ change: (inout DeviceState) -> Void = { _ in }) -> DeviceState {
        var state = DeviceState(
            siteID: UUID(),
            deviceID: UUID(),
            reportedAt: Self.now,
            firmwareVersion: "1.2.3",
            uptimeSeconds: 10,
            signalDBM: -60,
            faultCode: nil,
            properties: [:]
        )
        change(&state)
        return state
    }

    @Test("a valid event and state pass")
    func valid() throws {
        try Self.event().validate(now: Self.now)
        try Self.state { $0.faultCode = "PUMP_STALL" }.validate(now: Self.now)
    }

    @Test(
        "an invalid event names the field",
        arguments: [
            ("event.event_id", Self.event { $0.eventID = "" }),
            ("event.event_id", Self.event { $0.eventID = "has space" }),
            ("event.code", Self.event { $0.code = "door_open" }),
            ("event.message", Self.event { $0.message = String(repeating: "x", count: 1_001) }),
            ("event.attributes[]", Self.event { $0.attributes = ["": "x"] }),
            ("event.timestamp", Self.event { $0.occurredAt = nil }),
            ("event.timestamp", Self.event { $0.occurredAt = Self.now.addingTimeInterval(301) }),
        ]
    )
    func invalidEvent(field: String, event: DeviceEvent) {
        #expect {
            try event.validate(now: Self.now)
        } throws: { error in
            (error as? DomainError)?.violations.first?.field == field
        }
    }

    @Test(
        "an invalid state names the field",
        arguments: [
            ("state.timestamp", Self.state { $0.reportedAt = nil }),
            ("state.firmware_version", Self.state { $0.firmwareVersion = String(repeating: "1", count: 65) }),
            ("state.uptime_seconds", Self.state { $0.uptimeSeconds = -1 }),
            ("state.fault_code", Self.state { $0.faultCode = "stalled" }),
            (
                "state.properties",
                Self.state { $0.properties = Dictionary(uniqueKeysWithValues: (0..<51).map { ("k\($0)", "v") }) }
            ),
        ]
    )
    func invalidState(field: String, state: DeviceState) {
        #expect {
            try state.validate(now: Self.now)
        } throws: { error in
            (error as? DomainError)?.violations.first?.field == field
        }
    }
}
