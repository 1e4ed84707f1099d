import API
import GRPCCore
import SwiftProtobuf
import Testing

@testable import StandardServices

@Suite("grpc.reflection extensions and streams", .timeLimit(.minutes(1)))
struct ReflectionExtensionTests {
    typealias Request = Grpc_Reflection_V1_ServerReflectionRequest

    private func ask(
        _ version: ReflectionVersion,
        _ requests: [Request]
    ) async throws
        -> [Grpc_Reflection_V1_ServerReflectionResponse]
    {
        let service = try ReflectionService()
        return try await withInProcessServer([service]) { client in
            try await version.ask(requests, client: client)
        }
    }

    @Test(
        "file_containing_extension finds the defining file",
        arguments: ReflectionVersion.allCases,
        [
            ("google.protobuf.MethodOptions", Int32(72_295_728), "google/api/annotations.proto"),
            (".google.protobuf.FieldOptions", Int32(1052), "google/api/field_behavior.proto"),
        ]
    )
    func fileContainingExtension(version: ReflectionVersion, fixture: (String, Int32, String)) async throws {
        let request = Request.with {
            $0.fileContainingExtension = .with {
                $0.containingType = fixture.0
                $0.extensionNumber = fixture.1
            }
        }
        let response = try #require(try await self.ask(version, [request]).first)
        let first = try #require(response.fileDescriptorResponse.fileDescriptorProto.first)
        #expect(try Google_Protobuf_FileDescriptorProto(serializedBytes: first).name == fixture.2)
    }

    @Test(
        "all_extension_numbers_of_type lists known extensions",
        arguments: ReflectionVersion.allCases,
        [
            ("google.protobuf.MethodOptions", [Int32(72_295_728)]),
            ("google.protobuf.FieldOptions", [1052]),  // field_behavior; others come with new protos
            (".harvestry.echo.v1.EchoRequest", []),
        ]
    )
    func allExtensionNumbers(version: ReflectionVersion, fixture: (String, [Int32])) async throws {
        let response = try #require(
            try await self.ask(version, [.with { $0.allExtensionNumbersOfType = fixture.0 }]).first
        )
        guard case .allExtensionNumbersResponse(let numbers) = response.messageResponse else {
            Issue.record("expected extension numbers, got \(String(describing: response.messageResponse))")
            return
        }
        #expect(numbers.baseTypeName == String(fixture.0.trimmingPrefix(".")))
        let expected = try DescriptorSetFacts.extensionNumbers(of: "." + fixture.0.trimmingPrefix("."))
        #expect(numbers.extensionNumber == expected)
        #expect(Set(fixture.1).isSubset(of: numbers.extensionNumber), "\(numbers.extensionNumber)")
    }

    @Test("one stream answers many requests in order, echoing each", arguments: ReflectionVersion.allCases)
    func manyRequestsOneStream(version: ReflectionVersion) async throws {
        let requests: [Request] = [
            .with {
                $0.host = "localhost:8443"
                $0.listServices = ""
            },
            .with { $0.fileByFilename = "google/rpc/status.proto" },
            .with { $0.fileContainingSymbol = "does.not.Exist" },
            .with { $0.fileContainingSymbol = "google.rpc.Code" },
        ]
        let responses = try await self.ask(version, requests)
        try #require(responses.count == requests.count)
        #expect(responses.map(\.originalRequest) == requests)
        #expect(responses[0].validHost == "localhost:8443")
        #expect(!responses[0].listServicesResponse.service.isEmpty)
        #expect(responses[1].fileDescriptorResponse.fileDescriptorProto.count == 2, "status.proto + any.proto")
        #expect(responses[2].errorResponse.errorCode == Int32(RPCError.Code.notFound.rawValue))
        #expect(responses[3].fileDescriptorResponse.fileDescriptorProto.count == 1)
    }
}
