import API
import GRPCCore
import SwiftProtobuf

/// `grpc.reflection.v1alpha.ServerReflection`, answered by the v1 responder.
///
/// v1alpha and v1 messages have the same fields and numbers, so each request is re-read as v1 and each
/// answer re-read as v1alpha from its wire bytes: one implementation, no hand-written field copying.
struct ReflectionV1AlphaHandler: Grpc_Reflection_V1alpha_ServerReflection.SimpleServiceProtocol {
    let responder: ReflectionResponder

    func serverReflectionInfo(
        request: RPCAsyncSequence<Grpc_Reflection_V1alpha_ServerReflectionRequest, any Error>,
        response: RPCWriter<Grpc_Reflection_V1alpha_ServerReflectionResponse>,
        context: ServerContext
    ) async throws {
        for try await message in request {
            let question = try Grpc_Reflection_V1_ServerReflectionRequest(converting: message)
            let answer = self.responder.respond(to: question)
            try await response.write(Grpc_Reflection_V1alpha_ServerReflectionResponse(converting: answer))
        }
    }
}

extension SwiftProtobuf.Message {
    /// Reads `other`'s wire bytes as this type; for wire-compatible twins such as v1alpha and v1 messages.
    init(converting other: some SwiftProtobuf.Message) throws {
        let bytes: [UInt8] = try other.serializedBytes()
        try self.init(serializedBytes: bytes)
    }
}
