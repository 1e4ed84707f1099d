import API
import SwiftProtobuf
import Testing

@testable import Simulator

@Suite struct PayloadMapperTests {
    let t0 = SimInstant(secondsSinceEpoch: 1_700_000_000)

    @Test func batchesAStepsReadingsPerDeviceWithSequencesOneApart() throws {
        var mapper = PayloadMapper(site: "site-1")
        let first = mapper.messages(for: [
            Emission(device: "a", at: self.t0, kind: .reading(stream: "air_temp", value: 21, unit: "degC")),
            Emission(device: "a", at: self.t0, kind: .reading(stream: "rh", value: 55, unit: "%")),
            Emission(device: "b", at: self.t0, kind: .reading(stream: "ec", value: 2.1, unit: "mS/cm")),
        ])
        #expect(first.map(\.topic) == ["hv/v1/site-1/a/telemetry", "hv/v1/site-1/b/telemetry"])
        let batch = try Harvestry_Telemetry_V1_TelemetryBatch(serializedBytes: first[0].payload)
        #expect(batch.deviceID == "a")
        #expect(batch.sequence == 1)
        #expect(batch.readings.map(\.stream) == ["air_temp", "rh"])
        #expect(batch.readings[0].timestamp.seconds == 1_700_000_000)
        #expect(first[0].readings == 2)
        let second = mapper.messages(for: [
            Emission(
                device: "a",
                at: self.t0 + .seconds(1),
                kind: .reading(stream: "air_temp", value: 22, unit: "degC")
            )
        ])
        #expect(try Harvestry_Telemetry_V1_TelemetryBatch(serializedBytes: second[0].payload).sequence == 2)
        #expect(second[0].sequence == 2)
    }

    @Test func mapsEventsStatesAndAcksAndPublishesNoOutputChange() throws {
        var mapper = PayloadMapper(site: "s")
        let messages = mapper.messages(for: [
            Emission(device: "c", at: self.t0, kind: .outputChanged(output: "zone-1", isOn: true)),
            Emission(
                device: "c",
                at: self.t0,
                kind: .event(eventID: "e1", code: "ESTOP_OPEN", severity: .critical, message: "m")
            ),
            Emission(device: "c", at: self.t0, kind: .state(faultCode: "ESTOP_ENGAGED", properties: ["power": "poe"])),
            Emission(device: "c", at: self.t0, kind: .ack(commandID: "cmd-1", stage: .rejected, reason: "EXPIRED")),
        ])
        #expect(messages.map(\.channel) == [.event, .state, .ack])
        #expect(messages.map(\.retain) == [false, true, false])
        let event = try Harvestry_Telemetry_V1_Event(serializedBytes: messages[0].payload)
        #expect(event.code == "ESTOP_OPEN" && event.severity == .critical && event.eventID == "e1")
        let state = try Harvestry_Telemetry_V1_State(serializedBytes: messages[1].payload)
        #expect(state.faultCode == "ESTOP_ENGAGED" && state.properties == ["power": "poe"])
        let ack = try Harvestry_Telemetry_V1_Ack(serializedBytes: messages[2].payload)
        #expect(ack.commandID == "cmd-1" && ack.stage == .rejected && ack.reason == "EXPIRED")
        let status = try Harvestry_Telemetry_V1_Status(
            serializedBytes: mapper.status(device: "c", online: false, at: self.t0).payload
        )
        #expect(status.connectivity == .offline)
    }
}

@Suite struct CommandDecodingTests {
    static func command(_ edit: (inout Harvestry_Telemetry_V1_Command) -> Void = { _ in }) -> [UInt8] {
        var command = Harvestry_Telemetry_V1_Command()
        command.id = "cmd-1"
        command.idempotencyKey = "key-1"
        command.deviceID = "vlv-1"
        command.name = "valve.open"
        command.parameters = ["seconds": "30"]
        command.expireTime = .init(seconds: 1_700_000_060, nanos: 5)
        edit(&command)
        return try! command.serializedBytes()
    }

    @Test func decodesAValidCommand() {
        guard case .command(let command) = CommandDecoding.decode(Self.command(), device: "vlv-1") else {
            Issue.record("not decoded")
            return
        }
        #expect(command.name == "valve.open" && command.parameters == ["seconds": "30"])
        #expect(command.expireTime == SimInstant(nanosecondsSinceEpoch: 1_700_000_060_000_000_005))
    }

    /// Found by the fuzz test: an expiry past 2262 overflowed the nanosecond conversion and trapped the process.
    @Test(arguments: [
        (Int64(253_402_300_799), Int64.max),  // 9999-12-31: not expiring in any run
        (Int64(10_000_000_000), Int64.max),  // 2286
        (Int64(-62_135_596_800), Int64.min),  // 0001-01-01: long expired
    ])
    func expiriesBeyondASimInstantSaturate(seconds: Int64, nanoseconds: Int64) {
        let outcome = CommandDecoding.decode(Self.command { $0.expireTime.seconds = seconds }, device: "vlv-1")
        guard case .command(let command) = outcome else {
            Issue.record("not decoded: \(outcome)")
            return
        }
        #expect(command.expireTime == SimInstant(nanosecondsSinceEpoch: nanoseconds))
    }

    @Test(arguments: [Int64.max, Int64.min, 253_402_300_800, -62_135_596_801])
    func expiriesOutsideTimestampsRangeAreRejected(seconds: Int64) {
        let outcome = CommandDecoding.decode(Self.command { $0.expireTime.seconds = seconds }, device: "vlv-1")
        guard case .rejected(_, let reason) = outcome else {
            Issue.record("not rejected: \(outcome)")
            return
        }
        #expect(reason.hasPrefix("INVALID_COMMAND: expire_time.seconds"))
    }

    enum BadField: String, CaseIterable, Sendable {
        case idempotencyKey = "idempotency_key"
        case deviceID = "device_id"
        case name
        case expireTime = "expire_time"

        func apply(_ command: inout Harvestry_Telemetry_V1_Command) {
            switch self {
            case .idempotencyKey: command.idempotencyKey = ""
            case .deviceID: command.deviceID = "other"
            case .name: command.name = ""
            case .expireTime: command.clearExpireTime()
            }
        }
    }

    @Test(arguments: BadField.allCases)
    func rejectsNamingTheField(field: BadField) {
        let outcome = CommandDecoding.decode(Self.command { field.apply(&$0) }, device: "vlv-1")
        guard case .rejected(let id, let reason) = outcome else {
            Issue.record("not rejected: \(outcome)")
            return
        }
        #expect(id == "cmd-1")
        #expect(reason.hasPrefix("INVALID_COMMAND: \(field.rawValue)"))
    }

    @Test func garbageAndMissingIdsAreUnreadable() {
        guard case .unreadable = CommandDecoding.decode([0xFF, 0xFF, 0xFF], device: "d") else {
            Issue.record("garbage decoded")
            return
        }
        guard case .unreadable(let reason) = CommandDecoding.decode(Self.command { $0.id = "" }, device: "vlv-1") else {
            Issue.record("a command without id decoded")
            return
        }
        #expect(reason.hasPrefix("id"))
    }
}
