import AsyncAlgorithms
import GRPCCore
import HTTPTypes
import Hummingbird

/// Server streams as Server-Sent Events (`Accept: text/event-stream`) or NDJSON (otherwise).
///
/// The HTTP status waits for the upstream's response head: a call that fails before it (trailers-only) gets an
/// ordinary JSON error response with its proper status, never a 200 followed by a close. After the head, each
/// message is an SSE `data:` event or one NDJSON line, and an error is an SSE `error` event or an NDJSON
/// `{"error":...}` line.
extension Gateway {
    enum StreamEvent: Sendable {
        case head(Metadata)
        case message([UInt8])
        case failed(GatewayError)
    }

    enum StreamFormat {
        case serverSentEvents, ndjson

        var contentType: String {
            switch self {
            case .serverSentEvents: return "text/event-stream"
            case .ndjson: return "application/x-ndjson"
            }
        }

        func frame(_ event: StreamEvent) -> ByteBuffer? {
            switch (self, event) {
            case (_, .head): return nil
            case (.serverSentEvents, .message(let json)):
                return ByteBuffer(bytes: Array("data: ".utf8) + json + Array("\n\n".utf8))
            case (.ndjson, .message(let json)):
                return ByteBuffer(bytes: json + [UInt8(ascii: "\n")])
            case (.serverSentEvents, .failed(let error)):
                return ByteBuffer(string: "event: error\ndata: \(StatusMapping.body(for: error))\n\n")
            case (.ndjson, .failed(let error)):
                return ByteBuffer(string: StatusMapping.body(for: error) + "\n")
            }
        }
    }

    func stream(
        _ route: Route,
        message: [UInt8],
        metadata: Metadata,
        options: CallOptions,
        request: Request
    ) async throws(GatewayError) -> Response {
        let format: StreamFormat =
            request.headers[.accept]?.contains("text/event-stream") == true ? .serverSentEvents : .ndjson
        let events = AsyncChannel<StreamEvent>()
        let upstream = self.upstream
        // A bare Task bridges two scopes: Hummingbird needs the response head returned before it writes the body,
        // while the gRPC call lives inside the client's closure. The body writer cancels it when it stops early,
        // and the channel's send is suspended until the writer takes each event (backpressure).
        let call = Task {
            do {
                try await upstream.serverStreaming(
                    route.descriptor,
                    request: message,
                    metadata: metadata,
                    options: options
                ) {
                    response in
                    switch response.accepted {
                    case .failure(let error):
                        await events.send(.failed(GatewayError(error)))
                    case .success(let contents):
                        await events.send(.head(contents.metadata))
                        for try await part in contents.bodyParts {
                            guard case .message(let bytes) = part else { continue }
                            await events.send(.message(try ResponseTranscoder.json(bytes, route: route)))
                        }
                    }
                }
            } catch {
                await events.send(.failed(Self.upstreamError(error, route: route)))
            }
            events.finish()
        }

        var iterator = events.makeAsyncIterator()
        switch await iterator.next() {
        case .failed(let error):
            call.cancel()
            throw error
        case .message, nil:
            call.cancel()
            throw GatewayError.gateway(.internalError, reason: "STREAM_FAILED", "the stream ended without a head")
        case .head(let responseMetadata):
            var headers = HTTPFields()
            headers[.contentType] = format.contentType
            headers[.cacheControl] = "no-cache"
            HeaderMapping.addResponseHeaders(responseMetadata, to: &headers)
            let body = ResponseBody { writer in
                defer { call.cancel() }
                for await event in events {
                    if let frame = format.frame(event) { try await writer.write(frame) }
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: headers, body: body)
        }
    }
}
