import GRPCCore

/// The gRPC side of the gateway: where transcoded calls go, with messages as serialized bytes.
public protocol GatewayUpstream: Sendable {
    /// Runs the connections until shutdown (a `GRPCClient`'s `runConnections()`).
    func run() async throws
    func beginGracefulShutdown()

    func unary(
        _ descriptor: MethodDescriptor,
        request: [UInt8],
        metadata: Metadata,
        options: CallOptions
    ) async throws -> UpstreamResponse

    func serverStreaming<Result: Sendable>(
        _ descriptor: MethodDescriptor,
        request: [UInt8],
        metadata: Metadata,
        options: CallOptions,
        onResponse: @Sendable @escaping (StreamingClientResponse<[UInt8]>) async throws -> Result
    ) async throws -> Result

    /// Client-streaming and bidirectional calls (the WebSocket routes): `producer` writes the requests.
    func bidirectionalStreaming<Result: Sendable>(
        _ descriptor: MethodDescriptor,
        metadata: Metadata,
        options: CallOptions,
        producer: @Sendable @escaping (RPCWriter<[UInt8]>) async throws -> Void,
        onResponse: @Sendable @escaping (StreamingClientResponse<[UInt8]>) async throws -> Result
    ) async throws -> Result
}

/// A unary call's result.
public struct UpstreamResponse: Sendable {
    public var metadata: Metadata
    public var message: [UInt8]
    public var trailingMetadata: Metadata
}

/// A `GatewayUpstream` over any gRPC client transport: in-process next to the services, or the C-core
/// transport for `harvestry gateway --upstream ADDR`.
public struct ClientUpstream<Transport: ClientTransport>: GatewayUpstream {
    public let client: GRPCClient<Transport>

    public init(transport: Transport) {
        self.client = GRPCClient(transport: transport)
    }

    public func run() async throws { try await self.client.runConnections() }
    public func beginGracefulShutdown() { self.client.beginGracefulShutdown() }

    public func unary(
        _ descriptor: MethodDescriptor,
        request: [UInt8],
        metadata: Metadata,
        options: CallOptions
    ) async throws -> UpstreamResponse {
        try await self.client.unary(
            request: ClientRequest(message: request, metadata: metadata),
            descriptor: descriptor,
            serializer: BytesCoder(),
            deserializer: BytesCoder(),
            options: options
        ) { response in
            UpstreamResponse(
                metadata: response.metadata,
                message: try response.message,
                trailingMetadata: response.trailingMetadata
            )
        }
    }

    public func serverStreaming<Result: Sendable>(
        _ descriptor: MethodDescriptor,
        request: [UInt8],
        metadata: Metadata,
        options: CallOptions,
        onResponse: @Sendable @escaping (StreamingClientResponse<[UInt8]>) async throws -> Result
    ) async throws -> Result {
        try await self.client.serverStreaming(
            request: ClientRequest(message: request, metadata: metadata),
            descriptor: descriptor,
            serializer: BytesCoder(),
            deserializer: BytesCoder(),
            options: options,
            onResponse: onResponse
        )
    }

    public func bidirectionalStreaming<Result: Sendable>(
        _ descriptor: MethodDescriptor,
        metadata: Metadata,
        options: CallOptions,
        producer: @Sendable @escaping (RPCWriter<[UInt8]>) async throws -> Void,
        onResponse: @Sendable @escaping (StreamingClientResponse<[UInt8]>) async throws -> Result
    ) async throws -> Result {
        try await self.client.bidirectionalStreaming(
            request: StreamingClientRequest(metadata: metadata, producer: producer),
            descriptor: descriptor,
            serializer: BytesCoder(),
            deserializer: BytesCoder(),
            options: options,
            onResponse: onResponse
        )
    }
}

/// Messages pass through as the bytes the transcoders made or will decode.
struct BytesCoder: MessageSerializer, MessageDeserializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
}
