import API
import GRPCCore
import SwiftProtobuf

/// The test-only service behind the gateway tests. Every unary response carries the request's metadata back as
/// `echo-<key>` response metadata, so the tests can see what the gateway forwarded; a request with `sleep-ms`
/// metadata waits that long first (deadline tests).
struct TranscodingTestService: Harvestry_Testing_V1_TranscodingTestService.ServiceProtocol {
    static func echoed(_ metadata: Metadata) -> Metadata {
        var out: Metadata = [:]
        for (key, value) in metadata where !key.hasPrefix("grpc-") && !key.hasPrefix(":") {
            switch value {
            case .string(let text): out.addString(text, forKey: "echo-" + key)
            case .binary(let bytes): out.addBinary(bytes, forKey: "echo-" + key)
            }
        }
        return out
    }

    private func respond<Request, Response>(
        _ request: ServerRequest<Request>,
        _ make: (Request) throws -> Response
    ) async throws -> ServerResponse<Response> {
        if let sleep = request.metadata[stringValues: "sleep-ms"].first(where: { _ in true }), let ms = Int(sleep) {
            try await Task.sleep(for: .milliseconds(ms))
        }
        return ServerResponse(message: try make(request.message), metadata: Self.echoed(request.metadata))
    }

    func echoKinds(
        request: ServerRequest<Harvestry_Testing_V1_Kinds>,
        context: ServerContext
    ) async throws -> ServerResponse<Harvestry_Testing_V1_Kinds> {
        try await self.respond(request) { $0 }
    }

    func getResource(
        request: ServerRequest<Harvestry_Testing_V1_GetResourceRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<Harvestry_Testing_V1_Resource> {
        try await self.respond(request) { message in
            .with {
                $0.name = message.name
                $0.label = "resource " + message.name
            }
        }
    }

    func getResourceLabel(
        request: ServerRequest<Harvestry_Testing_V1_GetResourceRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<Harvestry_Testing_V1_Resource> {
        try await self.getResource(request: request, context: context)
    }

    func updateResource(
        request: ServerRequest<Harvestry_Testing_V1_UpdateResourceRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<Harvestry_Testing_V1_Resource> {
        try await self.respond(request) { message in
            var resource = message.resource
            resource.label += "|" + message.updateMask.paths.joined(separator: ",")
            return resource
        }
    }

    func abortResource(
        request: ServerRequest<Harvestry_Testing_V1_AbortResourceRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<Harvestry_Testing_V1_Resource> {
        try await self.respond(request) { message in
            .with {
                $0.name = message.name
                $0.label = "aborted: " + message.reason
            }
        }
    }

    func deleteResource(
        request: ServerRequest<Harvestry_Testing_V1_GetResourceRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<Google_Protobuf_Empty> {
        try await self.respond(request) { _ in Google_Protobuf_Empty() }
    }

    /// The error for `code` and `message`, with an ErrorInfo detail and a trailer.
    static func error(code: Int32, message: String) -> RPCError {
        let status = Status.Code(rawValue: Int(code)).flatMap { RPCError.Code($0) } ?? .unknown
        var info = Google_Rpc_ErrorInfo()
        info.domain = "harvestry.io"
        info.reason = "REQUESTED"
        var details = Google_Rpc_Status()
        details.code = code
        details.message = message
        details.details = [try! Google_Protobuf_Any(message: info)]
        var metadata: Metadata = ["x-fail-reason": "requested"]
        metadata.addBinary(try! details.serializedBytes(), forKey: "grpc-status-details-bin")
        return RPCError(code: status, message: message, metadata: metadata)
    }

    func fail(
        request: ServerRequest<Harvestry_Testing_V1_FailRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<Google_Protobuf_Empty> {
        ServerResponse(error: Self.error(code: request.message.code, message: request.message.message))
    }

    func streamKinds(
        request: ServerRequest<Harvestry_Testing_V1_StreamKindsRequest>,
        context: ServerContext
    ) async throws -> StreamingServerResponse<Harvestry_Testing_V1_Kinds> {
        let message = request.message
        if message.count == 0 && message.failCode != 0 {
            return StreamingServerResponse(
                error: Self.error(code: message.failCode, message: "refused before any message")
            )
        }
        return StreamingServerResponse(metadata: Self.echoed(request.metadata)) { writer in
            for index in 0..<max(0, min(message.count, 1000)) {
                try await writer.write(
                    .with {
                        $0.int64Value = Int64(index + 1)
                        $0.stringValue = "item \(index)"
                    }
                )
            }
            if message.failCode != 0 {
                throw Self.error(code: message.failCode, message: "failed after \(message.count) messages")
            }
            return [:]
        }
    }

    func countKinds(
        request: StreamingServerRequest<Harvestry_Testing_V1_Kinds>,
        context: ServerContext
    ) async throws -> ServerResponse<Harvestry_Testing_V1_Kinds> {
        var count: Int64 = 0
        var texts: [String] = []
        for try await message in request.messages {
            if message.stringValue == "fail" {
                throw RPCError(code: .invalidArgument, message: "message \(count + 1) asked to fail")
            }
            count += 1
            texts.append(message.stringValue)
        }
        return ServerResponse(
            message: .with {
                $0.int64Value = count
                $0.repeatedString = texts
            },
            metadata: Self.echoed(request.metadata)
        )
    }
}
