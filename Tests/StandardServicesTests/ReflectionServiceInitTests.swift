import API
import GRPCCore
import SwiftProtobuf
import Testing

@testable import StandardServices

@Suite("ReflectionService construction and the embedded descriptor set")
struct ReflectionServiceInitTests {
    @Test("the embedded set holds every proto under proto/ and the well-known types it imports")
    func embeddedSet() throws {
        let names = try DescriptorSet.fileDescriptorSet().file.map(\.name)
        for expected in [
            "google/api/http.proto", "google/api/annotations.proto", "google/api/field_behavior.proto",
            "google/rpc/status.proto", "google/rpc/code.proto", "google/rpc/error_details.proto",
            "grpc/health/v1/health.proto", "grpc/reflection/v1/reflection.proto",
            "grpc/reflection/v1alpha/reflection.proto", "harvestry/echo/v1/echo_service.proto",
            "google/protobuf/descriptor.proto", "google/protobuf/any.proto", "google/protobuf/duration.proto",
        ] {
            #expect(names.contains(expected), "\(expected) missing from the descriptor set")
        }
        // Source info is kept, so clients can show the API's comments.
        let echo = try #require(
            try DescriptorSet.fileDescriptorSet().file.first { $0.name.hasPrefix("harvestry/echo") }
        )
        #expect(echo.sourceCodeInfo.location.contains { $0.leadingComments.contains("one method of each RPC kind") })
    }

    @Test("a set missing an import is rejected")
    func missingDependency() throws {
        var set = try DescriptorSet.fileDescriptorSet()
        set.file.removeAll { $0.name == "google/protobuf/descriptor.proto" }
        let error = #expect(throws: ReflectionError.self) { try ReflectionService(fileDescriptorSet: set) }
        #expect(error?.code == .missingDependency)
    }

    @Test("a set with a file twice is rejected")
    func duplicateFile() throws {
        var set = try DescriptorSet.fileDescriptorSet()
        set.file.append(set.file[0])
        let error = #expect(throws: ReflectionError.self) { try ReflectionService(fileDescriptorSet: set) }
        #expect(error?.code == .duplicateFile)
    }

    @Test("listing a service the set does not define is rejected")
    func unknownService() throws {
        let error = #expect(throws: ReflectionError.self) {
            try ReflectionService(fileDescriptorSet: DescriptorSet.fileDescriptorSet(), serviceNames: ["a.Nope"])
        }
        #expect(error?.code == .unknownService)
    }
}
