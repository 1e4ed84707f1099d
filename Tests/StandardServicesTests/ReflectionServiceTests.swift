import API
import Foundation
import GRPCCore
import GRPCInProcessTransport
import SwiftProtobuf
import Testing

@testable import StandardServices

@Suite("grpc.reflection v1 and v1alpha", .timeLimit(.minutes(1)))
struct ReflectionServiceTests {
    typealias Request = Grpc_Reflection_V1_ServerReflectionRequest
    typealias FileDescriptor = Google_Protobuf_FileDescriptorProto

    static let echoFile = "harvestry/echo/v1/echo_service.proto"

    private func ask(
        _ version: ReflectionVersion,
        _ requests: [Request],
        service: ReflectionService? = nil
    ) async throws -> [Grpc_Reflection_V1_ServerReflectionResponse] {
        let service = try service ?? ReflectionService()
        return try await withInProcessServer([service]) { client in
            try await version.ask(requests, client: client)
        }
    }

    private func files(_ version: ReflectionVersion, _ request: Request) async throws -> [FileDescriptor] {
        let response = try #require(try await self.ask(version, [request]).first)
        guard case .fileDescriptorResponse(let files) = response.messageResponse else {
            Issue.record("expected files, got \(String(describing: response.messageResponse))")
            return []
        }
        return try files.fileDescriptorProto.map { try FileDescriptor(serializedBytes: $0) }
    }

    private func errorCode(_ version: ReflectionVersion, _ request: Request) async throws -> Int32? {
        let response = try #require(try await self.ask(version, [request]).first)
        guard case .errorResponse(let error) = response.messageResponse else { return nil }
        #expect(!error.errorMessage.isEmpty)
        return error.errorCode
    }

    @Test("list_services reports every service in the set", arguments: ReflectionVersion.allCases)
    func listServices(version: ReflectionVersion) async throws {
        let response = try #require(try await self.ask(version, [.with { $0.listServices = "" }]).first)
        let names = response.listServicesResponse.service.map(\.name)
        #expect(names == (try DescriptorSetFacts.serviceNames()))
        let standard = [
            "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection", "harvestry.echo.v1.EchoService",
        ]
        #expect(Set(standard).isSubset(of: names), "\(names)")
    }

    @Test("list_services reports only the services given", arguments: ReflectionVersion.allCases)
    func listGivenServices(version: ReflectionVersion) async throws {
        let service = try ReflectionService(services: [Grpc_Health_V1_Health.descriptor])
        let response = try #require(
            try await self.ask(version, [.with { $0.listServices = "*" }], service: service).first
        )
        #expect(response.listServicesResponse.service.map(\.name) == ["grpc.health.v1.Health"])
    }

    @Test("file_by_filename returns the file first, then all its imports once", arguments: ReflectionVersion.allCases)
    func fileByFilename(version: ReflectionVersion) async throws {
        let files = try await self.files(version, .with { $0.fileByFilename = Self.echoFile })
        #expect(files.first?.name == Self.echoFile)
        #expect(files.first?.service.map(\.name) == ["EchoService"])
        let names = files.map(\.name)
        #expect(Set(names).count == names.count, "no file twice: \(names)")
        #expect(
            Set(names) == [
                Self.echoFile, "google/api/annotations.proto", "google/api/http.proto",
                "google/api/field_behavior.proto", "google/protobuf/descriptor.proto",
            ]
        )
        // Closed under imports: a client can build a descriptor pool from this answer alone.
        for file in files {
            for dependency in file.dependency {
                #expect(names.contains(dependency), "\(file.name) imports \(dependency), which is missing")
            }
        }
    }

    @Test(
        "file_containing_symbol finds every kind of symbol",
        arguments: [
            ("harvestry.echo.v1.EchoService", Self.echoFile),
            ("harvestry.echo.v1.EchoService.Expand", Self.echoFile),
            (".harvestry.echo.v1.EchoRequest", Self.echoFile),
            ("harvestry.echo.v1.EchoRequest.payload", Self.echoFile),
            ("grpc.health.v1.HealthCheckResponse.ServingStatus", "grpc/health/v1/health.proto"),
            ("grpc.health.v1.HealthCheckResponse.SERVICE_UNKNOWN", "grpc/health/v1/health.proto"),
            ("grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING", "grpc/health/v1/health.proto"),
            ("google.rpc.QuotaFailure.Violation", "google/rpc/error_details.proto"),
            ("google.rpc.BadRequest.FieldViolation.localized_message", "google/rpc/error_details.proto"),
            ("google.api.FieldBehavior", "google/api/field_behavior.proto"),
            ("google.api.IDENTIFIER", "google/api/field_behavior.proto"),
            ("google.api.http", "google/api/annotations.proto"),
            ("google.api.field_behavior", "google/api/field_behavior.proto"),
            ("google.protobuf.Duration", "google/protobuf/duration.proto"),
            (
                "grpc.reflection.v1alpha.ServerReflection.ServerReflectionInfo",
                "grpc/reflection/v1alpha/reflection.proto"
            ),
        ]
    )
    func fileContainingSymbol(symbol: String, file: String) async throws {
        for version in ReflectionVersion.allCases {
            let files = try await self.files(version, .with { $0.fileContainingSymbol = symbol })
            #expect(files.first?.name == file, "\(version) \(symbol)")
        }
    }

    @Test("unknown files, symbols and types are NOT_FOUND", arguments: ReflectionVersion.allCases)
    func notFound(version: ReflectionVersion) async throws {
        let notFound = Int32(RPCError.Code.notFound.rawValue)
        #expect(try await self.errorCode(version, .with { $0.fileByFilename = "nope.proto" }) == notFound)
        #expect(try await self.errorCode(version, .with { $0.fileContainingSymbol = "harvestry.Nope" }) == notFound)
        #expect(try await self.errorCode(version, .with { $0.fileContainingSymbol = "harvestry.echo" }) == notFound)
        #expect(try await self.errorCode(version, .with { $0.allExtensionNumbersOfType = "a.Nope" }) == notFound)
        let unknownExtension = Request.with {
            $0.fileContainingExtension = .with {
                $0.containingType = "google.protobuf.MethodOptions"
                $0.extensionNumber = 1
            }
        }
        #expect(try await self.errorCode(version, unknownExtension) == notFound)
    }

    @Test("an empty request is INVALID_ARGUMENT", arguments: ReflectionVersion.allCases)
    func emptyRequest(version: ReflectionVersion) async throws {
        let code = try await self.errorCode(version, Request())
        #expect(code == Int32(RPCError.Code.invalidArgument.rawValue))
    }
}
