import API
import GRPCCore
import SwiftProtobuf

/// gRPC server reflection, `grpc.reflection.v1.ServerReflection` and its predecessor
/// `grpc.reflection.v1alpha.ServerReflection`, answered from a descriptor set.
///
/// Registering this one service registers both versions, so that grpcurl, k6, Postman and older clients
/// can all discover the server's API. Every file it returns comes with the files it imports, directly or
/// not, so a client can build a complete descriptor pool from one answer.
///
/// ```swift
/// let services: [any RegistrableRPCService] = [EchoService(), HealthService(), try ReflectionService()]
/// ```
public struct ReflectionService: RegistrableRPCService {
    private let v1: ReflectionV1Handler
    private let v1alpha: ReflectionV1AlphaHandler

    /// Creates the service from a descriptor set built with `protoc --include_imports`.
    ///
    /// - Parameters:
    ///   - fileDescriptorSet: Every file the server's services need, imports included.
    ///   - serviceNames: The fully qualified services `list_services` reports: those the server exposes.
    ///     Nil reports every service in the set.
    /// - Throws: ``ReflectionError`` if the set has duplicate or missing files or lacks a listed service.
    public init(fileDescriptorSet: Google_Protobuf_FileDescriptorSet, serviceNames: [String]? = nil) throws {
        let index = try DescriptorIndex(fileDescriptorSet: fileDescriptorSet)
        let known = Set(index.serviceNames)
        if let unknown = serviceNames?.first(where: { !known.contains($0) }) {
            throw ReflectionError(
                code: .unknownService,
                message: "Service '\(unknown)' is not defined by any file in the descriptor set."
            )
        }
        let responder = ReflectionResponder(index: index, serviceNames: serviceNames?.sorted() ?? index.serviceNames)
        self.v1 = ReflectionV1Handler(responder: responder)
        self.v1alpha = ReflectionV1AlphaHandler(responder: responder)
    }

    /// Creates the service from the descriptor set embedded in the `API` module (every proto under `proto/`).
    ///
    /// - Parameter services: The services `list_services` reports; nil reports every service in the set.
    public init(services: [ServiceDescriptor]? = nil) throws {
        try self.init(
            fileDescriptorSet: try DescriptorSet.fileDescriptorSet(),
            serviceNames: services?.map(\.fullyQualifiedService)
        )
    }

    /// Registers both `grpc.reflection.v1` and `grpc.reflection.v1alpha`.
    public func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        self.v1.registerMethods(with: &router)
        self.v1alpha.registerMethods(with: &router)
    }
}
