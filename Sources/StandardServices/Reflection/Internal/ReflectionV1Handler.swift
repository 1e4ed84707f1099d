import API
import GRPCCore

/// `grpc.reflection.v1.ServerReflection`: one response per request, in order.
struct ReflectionV1Handler: Grpc_Reflection_V1_ServerReflection.SimpleServiceProtocol {
    let responder: ReflectionResponder

    func serverReflectionInfo(
        request: RPCAsyncSequence<Grpc_Reflection_V1_ServerReflectionRequest, any Error>,
        response: RPCWriter<Grpc_Reflection_V1_ServerReflectionResponse>,
        context: ServerContext
    ) async throws {
        for try await message in request {
            try await response.write(self.responder.respond(to: message))
        }
    }
}
