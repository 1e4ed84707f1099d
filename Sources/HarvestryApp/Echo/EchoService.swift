import API
import GRPCCore
import SwiftProtobuf

/// `harvestry.echo.v1.EchoService`: the transport's own surface for interop peers, smoke checks and benchmarks.
///
/// A request whose text is exactly `fail` is refused with INVALID_ARGUMENT and the trailer `x-hv-reason: requested`,
/// so peers can check how errors travel.
public struct EchoService: Harvestry_Echo_V1_EchoService.SimpleServiceProtocol {
    public init() {}

    public func echo(
        request: Harvestry_Echo_V1_EchoRequest,
        context: ServerContext
    ) async throws -> Harvestry_Echo_V1_EchoResponse {
        try Self.failIfAsked(request)
        return .with {
            $0.text = request.text
            $0.payload = request.payload
        }
    }

    public func expand(
        request: Harvestry_Echo_V1_EchoRequest,
        response: RPCWriter<Harvestry_Echo_V1_EchoResponse>,
        context: ServerContext
    ) async throws {
        try Self.failIfAsked(request)
        for word in request.text.split(separator: " ") {
            try await response.write(.with { $0.text = String(word) })
        }
    }

    public func collect(
        request: RPCAsyncSequence<Harvestry_Echo_V1_EchoRequest, any Error>,
        context: ServerContext
    ) async throws -> Harvestry_Echo_V1_EchoResponse {
        var texts: [String] = []
        for try await message in request {
            try Self.failIfAsked(message)
            texts.append(message.text)
        }
        return .with { $0.text = texts.joined(separator: " ") }
    }

    public func update(
        request: RPCAsyncSequence<Harvestry_Echo_V1_EchoRequest, any Error>,
        response: RPCWriter<Harvestry_Echo_V1_EchoResponse>,
        context: ServerContext
    ) async throws {
        for try await message in request {
            try Self.failIfAsked(message)
            try await response.write(
                .with {
                    $0.text = message.text
                    $0.payload = message.payload
                }
            )
        }
    }

    private static func failIfAsked(_ request: Harvestry_Echo_V1_EchoRequest) throws {
        guard request.text == "fail" else { return }
        throw RPCError(code: .invalidArgument, message: "requested failure", metadata: ["x-hv-reason": "requested"])
    }
}
