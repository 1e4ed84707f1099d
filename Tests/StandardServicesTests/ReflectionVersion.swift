import API
import GRPCCore
import GRPCInProcessTransport
import SwiftProtobuf
import Testing

/// Which reflection service a test talks to. Tests are written with v1 messages; for v1alpha they are
/// carried over the v1alpha service as v1alpha messages (same wire format), so both endpoints are exercised.
enum ReflectionVersion: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case v1
    case v1alpha

    typealias Request = Grpc_Reflection_V1_ServerReflectionRequest
    typealias Response = Grpc_Reflection_V1_ServerReflectionResponse

    var testDescription: String { self.rawValue }

    /// Sends `requests` on one stream and collects the responses.
    func ask(
        _ requests: [Request],
        client: GRPCClient<InProcessTransport.Client>
    ) async throws -> [Response] {
        switch self {
        case .v1:
            let reflection = Grpc_Reflection_V1_ServerReflection.Client(wrapping: client)
            return try await reflection.serverReflectionInfo { writer in
                try await writer.write(contentsOf: requests)
            } onResponse: { response in
                try await response.messages.reduce(into: []) { $0.append($1) }
            }
        case .v1alpha:
            let reflection = Grpc_Reflection_V1alpha_ServerReflection.Client(wrapping: client)
            let alphaRequests = try requests.map { try Grpc_Reflection_V1alpha_ServerReflectionRequest(wireCopyOf: $0) }
            let alphaResponses = try await reflection.serverReflectionInfo { writer in
                try await writer.write(contentsOf: alphaRequests)
            } onResponse: { response in
                try await response.messages.reduce(into: []) { $0.append($1) }
            }
            return try alphaResponses.map { try Response(wireCopyOf: $0) }
        }
    }

    /// Sends one request and returns its response.
    func ask(_ request: Request, client: GRPCClient<InProcessTransport.Client>) async throws -> Response {
        let responses = try await self.ask([request], client: client)
        guard responses.count == 1, let response = responses.first else {
            throw ReflectionTestError(message: "expected one response, got \(responses.count)")
        }
        return response
    }
}

struct ReflectionTestError: Error {
    var message: String
}

extension SwiftProtobuf.Message {
    init(wireCopyOf other: some SwiftProtobuf.Message) throws {
        try self.init(serializedBytes: try other.serializedBytes() as [UInt8])
    }
}
