import AsyncAlgorithms
import CoreTransport
import GRPCCore

/// The gateway's upstream when it runs in the same process as the services: each call goes straight to the
/// server's handler through a `DirectServerTransport` (the server's interceptors, auth included, still run).
public struct DirectUpstream: GatewayUpstream {
    public let transport: DirectServerTransport

    public init(transport: DirectServerTransport) {
        self.transport = transport
    }

    /// Nothing to run: the `GRPCServer` over the transport owns it.
    public func run() async throws {}
    public func beginGracefulShutdown() {}

    public func unary(
        _ descriptor: MethodDescriptor,
        request: [UInt8],
        metadata: Metadata,
        options: CallOptions
    ) async throws -> UpstreamResponse {
        try await Self.withDeadline(options.timeout) {
            let outbound = CollectedResponseParts()
            let stream = RPCStream(
                descriptor: descriptor,
                inbound: RPCAsyncSequence(
                    wrapping: UnaryRequestParts(metadata: Self.metadata(metadata, options), message: request)
                ),
                outbound: RPCWriter.Closable(wrapping: outbound)
            )
            try await self.transport.handle(stream)
            return try Self.unaryResponse(outbound.collected)
        }
    }

    public func serverStreaming<Result: Sendable>(
        _ descriptor: MethodDescriptor,
        request: [UInt8],
        metadata: Metadata,
        options: CallOptions,
        onResponse: @Sendable @escaping (StreamingClientResponse<[UInt8]>) async throws -> Result
    ) async throws -> Result {
        let metadata = Self.metadata(metadata, options)
        return try await self.streaming(
            descriptor,
            timeout: options.timeout,
            inbound: RPCAsyncSequence(wrapping: UnaryRequestParts(metadata: metadata, message: request)),
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
        let requests = AsyncThrowingChannel<RPCRequestPart<[UInt8]>, any Error>()
        let metadata = Self.metadata(metadata, options)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await requests.send(.metadata(metadata))
                do {
                    try await producer(RPCWriter(wrapping: RequestMessageWriter(channel: requests)))
                    requests.finish()
                } catch {
                    requests.fail(error)
                }
            }
            defer { group.cancelAll() }
            return try await self.streaming(
                descriptor,
                timeout: options.timeout,
                inbound: RPCAsyncSequence(wrapping: requests),
                onResponse: onResponse
            )
        }
    }

    /// Runs the handler beside the response consumer; the consumer's end (or the deadline) cancels the handler.
    private func streaming<Result: Sendable>(
        _ descriptor: MethodDescriptor,
        timeout: Duration?,
        inbound: RPCAsyncSequence<RPCRequestPart<[UInt8]>, any Error>,
        onResponse: @Sendable @escaping (StreamingClientResponse<[UInt8]>) async throws -> Result
    ) async throws -> Result {
        let responses = AsyncThrowingChannel<RPCResponsePart<[UInt8]>, any Error>()
        let stream = RPCStream(
            descriptor: descriptor,
            inbound: inbound,
            outbound: RPCWriter.Closable(wrapping: ChannelWriter(channel: responses))
        )
        let transport = self.transport
        return try await Self.withDeadline(timeout) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    do { try await transport.handle(stream) } catch { responses.fail(error) }
                    responses.finish()
                }
                defer { group.cancelAll() }
                var parts = responses.makeAsyncIterator()
                let response: StreamingClientResponse<[UInt8]>
                switch try await parts.next() {
                case .metadata(let metadata):
                    let body = RPCAsyncSequence(wrapping: ResponseBodyParts(channel: responses))
                    response = StreamingClientResponse(accepted: .success(.init(metadata: metadata, bodyParts: body)))
                case .status(let status, let trailers):
                    response = Self.trailersOnly(status: status, trailers: trailers)
                case .message, nil:
                    let error = RPCError(code: .internalError, message: "the server's stream did not start with metadata")
                    response = StreamingClientResponse(error: error)
                }
                return try await onResponse(response)
            }
        }
    }

    private static func trailersOnly(status: Status, trailers: Metadata) -> StreamingClientResponse<[UInt8]> {
        if let error = RPCError(status: status, metadata: trailers) { return StreamingClientResponse(error: error) }
        let parts = AsyncThrowingStream<StreamingClientResponse<[UInt8]>.Contents.BodyPart, any Error> {
            $0.yield(.trailingMetadata(trailers))
            $0.finish()
        }
        let body = RPCAsyncSequence(wrapping: parts)
        return StreamingClientResponse(accepted: .success(.init(metadata: [:], bodyParts: body)))
    }

    /// A unary call's parts as its result: metadata, one message, OK status; a non-OK status as its `RPCError`.
    private static func unaryResponse(_ parts: [RPCResponsePart<[UInt8]>]) throws -> UpstreamResponse {
        var metadata: Metadata = [:]
        var message: [UInt8]?
        for part in parts {
            switch part {
            case .metadata(let value):
                metadata = value
            case .message(let bytes):
                guard message == nil else {
                    throw RPCError(code: .internalError, message: "the server sent more than one response message")
                }
                message = bytes
            case .status(let status, let trailers):
                if let error = RPCError(status: status, metadata: trailers) { throw error }
                guard let message else {
                    throw RPCError(code: .internalError, message: "the server sent no response message")
                }
                return UpstreamResponse(metadata: metadata, message: message, trailingMetadata: trailers)
            }
        }
        throw RPCError(code: .internalError, message: "the server ended the call without a status")
    }

    private static func metadata(_ metadata: Metadata, _ options: CallOptions) -> Metadata {
        guard let timeout = options.timeout else { return metadata }
        var metadata = metadata
        metadata.setTimeout(timeout)
        return metadata
    }

    /// Runs `body`, failing with DEADLINE_EXCEEDED (and cancelling it) when `timeout` passes first.
    private static func withDeadline<Result: Sendable>(
        _ timeout: Duration?,
        _ body: @Sendable @escaping () async throws -> Result
    ) async throws -> Result {
        guard let timeout else { return try await body() }
        return try await withThrowingTaskGroup(of: Result.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw RPCError(code: .deadlineExceeded, message: "the deadline of \(timeout) passed")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}
