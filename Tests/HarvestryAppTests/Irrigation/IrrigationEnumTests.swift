import API
import Domain
import SwiftProtobuf
import Testing

@testable import HarvestryApp

@Suite("IrrigationService enums are the Domain's")
struct IrrigationEnumTests {
    /// The value names of enum `path` (".harvestry.irrigation.v1.Run.Status") in the embedded descriptor set.
    static func valueNames(_ message: String?, _ name: String) throws -> [String] {
        let file = try #require(
            try DescriptorSet.fileDescriptorSet().file.first { $0.name == "harvestry/irrigation/v1/resources.proto" }
        )
        let enumeration: Google_Protobuf_EnumDescriptorProto
        if let message {
            let owner = try #require(file.messageType.first { $0.name == message })
            enumeration = try #require(owner.enumType.first { $0.name == name })
        } else {
            enumeration = try #require(file.enumType.first { $0.name == name })
        }
        return enumeration.value.map(\.name)
    }

    /// `AwaitingApproval` as `AWAITING_APPROVAL`.
    static func upperSnake(_ text: String) -> String {
        var result = ""
        for character in text {
            if character.isUppercase, !result.isEmpty { result.append("_") }
            result.append(character.uppercased())
        }
        return result
    }

    @Test("value names match the Domain's codes, after the zero value")
    func names() throws {
        #expect(
            try Self.valueNames(nil, "InterlockReason").dropFirst().elementsEqual(
                InterlockReason.allCases.map(\.rawValue)
            )
        )
        #expect(
            try Self.valueNames("DeviceCommand", "Status").dropFirst().elementsEqual(
                CommandStatus.allCases.map(\.rawValue)
            )
        )
        #expect(
            try Self.valueNames("InterlockEvent", "Kind").dropFirst().elementsEqual(
                InterlockEvent.Kind.allCases.map(\.rawValue)
            )
        )
        #expect(
            try Self.valueNames("Run", "Status").dropFirst().elementsEqual(
                RunStatus.allCases.map { Self.upperSnake($0.rawValue) }
            )
        )
    }

    @Test("every Domain value maps to a distinct API value and back")
    func roundTrip() {
        let statuses = RunStatus.allCases.map(Harvestry_Irrigation_V1_Run.Status.init)
        #expect(Set(statuses).count == RunStatus.allCases.count && !statuses.contains(.unspecified))
        #expect(RunStatus.allCases.allSatisfy { IrrigationValidation.runStatus(.init($0)) == $0 })
        #expect(IrrigationValidation.runStatus(.unspecified) == nil)
        #expect(InterlockReason.allCases.allSatisfy { IrrigationValidation.interlockReason(.init($0)) == $0 })
        #expect(IrrigationValidation.interlockReason(.unspecified) == nil)
    }
}
