import GRPCCore
import HTTPTypes
import HummingbirdWebSocket
import Logging
import NIOWebSocket
import Synchronization

/// Client-streaming and bidirectional methods over WebSocket, on their rule's GET path.
///
/// Each text message from the client is one request message (proto3 JSON; path and query fields are merged into
/// every one); an empty text message ends the request stream (a half-close: the responses still come). Each
/// response message is a text message. The stream ends with a close (1000); a failure is first sent as a text
/// message `{"error":{...}}` (the JSON google.rpc.Status), never a silent close. A client that closes early
/// cancels the call.
extension Gateway {
    /// The upgrade decision for a request that asks for a WebSocket.
    func webSocketUpgrade(
        _ head: HTTPRequest,
        peer: String?
    ) -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        let target = head.path ?? "/"
        let (path, query) = Self.splitTarget(target)
        guard case .matched(let route, let bindings) = self.table.lookup(method: "GET", path: path),
            route.method.clientStreaming
        else { return .dontUpgrade }
        let requestID = Self.requestID(head.headerFields)
        return .upgrade([Self.requestIDHeader: requestID]) { inbound, outbound, _ in
            await self.runWebSocket(
                route,
                bindings: bindings,
                query: query,
                head: head,
                peer: peer,
                requestID: requestID,
                inbound: inbound,
                outbound: outbound
            )
        }
    }

    static func splitTarget(_ target: String) -> (path: Substring, query: Substring) {
        guard let mark = target.firstIndex(of: "?") else { return (target[...], "") }
        return (target[..<mark], target[target.index(after: mark)...])
    }

    private func runWebSocket(
        _ route: Route,
        bindings: [(fieldPath: [String], value: String)],
        query: Substring,
        head: HTTPRequest,
        peer: String?,
        requestID: String,
        inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter
    ) async {
        let start = ContinuousClock.now
        var logger = self.logger
        logger[metadataKey: "request-id"] = "\(requestID)"
        let transcoder = self.transcoder
        let maxBytes = self.configuration.maxBodyBytes
        let requestFailure = Mutex<GatewayError?>(nil)
        var failure: GatewayError?
        do {
            let (metadata, timeout) = try HeaderMapping.requestMetadata(
                head.headerFields,
                requestID: requestID,
                peer: peer
            )
            var options = CallOptions.defaults
            options.timeout = timeout
            try await self.upstream.bidirectionalStreaming(
                route.descriptor,
                metadata: metadata,
                options: options,
                producer: { writer in
                    do {
                        for try await message in inbound.messages(maxSize: maxBytes) {
                            guard case .text(let text) = message else {
                                throw GatewayError.gateway(
                                    .invalidArgument,
                                    reason: "UNSUPPORTED_MEDIA_TYPE",
                                    "send each request as a JSON text message"
                                )
                            }
                            if text.isEmpty { return }
                            try await writer.write(
                                try transcoder.requestBytes(
                                    route: route.asStreamMessage,
                                    bindings: bindings,
                                    query: query,
                                    body: Array(text.utf8)
                                )
                            )
                        }
                    } catch let error as GatewayError {
                        requestFailure.withLock { $0 = error }
                        throw error
                    }
                },
                onResponse: { response in
                    for try await message in response.messages {
                        let json = try ResponseTranscoder.json(message, route: route)
                        try await outbound.write(.text(String(decoding: json, as: UTF8.self)))
                    }
                }
            )
        } catch {
            failure = requestFailure.withLock { $0 } ?? Self.upstreamError(error, route: route)
        }
        if let failure {
            try? await outbound.write(.text(StatusMapping.body(for: failure)))
        }
        try? await outbound.close(.normalClosure, reason: failure.map { StatusMapping.name(of: $0.code) })
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let status = failure?.httpStatus ?? 101
        self.metrics.record(route: route.label, status: status, seconds: seconds)
        logger.info(
            "websocket stream",
            metadata: [
                "http.route": "\(route.label)", "http.status": "\(status)", "duration_us": "\(Int(seconds * 1e6))",
            ]
        )
    }
}

extension Route {
    /// The same route with each WebSocket message as its body (`body: "*"`), query fields still merged in.
    var asStreamMessage: Route {
        var route = self
        route.body = .all
        route.queryWithBody = true
        return route
    }
}
