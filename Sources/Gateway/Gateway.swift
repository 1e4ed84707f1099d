import API
import GRPCCore
import HTTPTypes
import Hummingbird
import Logging
import SwiftProtobuf

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The JSON gateway's request handling, independent of the listener: CORS, the built-in endpoints, routing,
/// transcoding, the upstream call and the JSON error body of every failure.
public struct Gateway: Sendable {
    public let table: RouteTable
    public let metrics: GatewayMetrics
    public let index: DescriptorIndex
    /// The OpenAPI 3.1 document of the routes, served at `/openapi.json`.
    public let openAPI: String
    let transcoder: RequestTranscoder
    let upstream: any GatewayUpstream
    let configuration: GatewayConfiguration
    let cors: CORSPolicy
    let logger: Logger

    /// Builds the route table from `index` (the embedded descriptor set by default); throws `RouteTableError`
    /// on an invalid or ambiguous rule.
    public init(
        configuration: GatewayConfiguration,
        upstream: any GatewayUpstream,
        index: DescriptorIndex? = nil,
        logger: Logger
    ) throws {
        let index = try index ?? DescriptorIndex.embedded()
        self.index = index
        self.table = try RouteTable(index: index, exposes: configuration.exposes)
        self.metrics = GatewayMetrics()
        self.openAPI = OpenAPIDocument(table: self.table, index: index).json()
        self.transcoder = RequestTranscoder(index: index)
        self.upstream = upstream
        self.configuration = configuration
        self.cors = CORSPolicy(origins: configuration.corsOrigins)
        self.logger = logger
        _ = Self.registerAnyTypes
    }

    /// Lets `google.protobuf.Any` (error details, Any fields) be written as JSON with its `@type`.
    private static let registerAnyTypes: Void = {
        for type in MessageTypes.byName.values { _ = Google_Protobuf_Any.register(messageType: type) }
    }()

    static let requestIDHeader = HTTPField.Name("X-Request-Id")!

    /// Answers one HTTP request; never throws: every failure is a JSON `google.rpc.Status`.
    public func respond(to request: Request, context: GatewayRequestContext) async -> Response {
        let start = ContinuousClock.now
        let requestID = Self.requestID(request.headers)
        var logger = self.logger
        logger[metadataKey: "request-id"] = "\(requestID)"
        let origin = self.cors.allowedOrigin(request.headers)

        var (response, label) = await self.dispatch(request, context: context, requestID: requestID, logger: logger)
        response.headers[Self.requestIDHeader] = requestID
        if let origin { CORSPolicy.addResponseHeaders(origin: origin, to: &response.headers) }

        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let status = response.status.code
        self.metrics.record(route: label, status: status, seconds: seconds)
        logger.log(
            level: status >= 500 ? .warning : .info,
            "http request",
            metadata: [
                "http.method": "\(request.method.rawValue)", "http.path": "\(request.uri.path)",
                "http.route": "\(label)", "http.status": "\(status)",
                "duration_us": "\(Int(seconds * 1_000_000))",
            ]
        )
        return response
    }

    /// A client's `X-Request-Id` when it is a sane token, else a new UUID.
    static func requestID(_ headers: HTTPFields) -> String {
        if let given = headers[Self.requestIDHeader], (1...128).contains(given.utf8.count),
            given.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
        {
            return given
        }
        return Self.newRequestID()
    }

    /// A random version-4 UUID in its lowercase text form, without Foundation's formatter (it showed in profiles).
    static func newRequestID() -> String {
        var bytes = (UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max))
        bytes.0 = bytes.0 & 0xFFFF_FFFF_FFFF_0FFF | 0x0000_0000_0000_4000
        bytes.1 = bytes.1 & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, word) in [bytes.0, bytes.1].enumerated() {
            for nibble in 0..<16 {
                let position = index * 16 + nibble
                if position == 8 || position == 12 || position == 16 || position == 20 {
                    text.append(UInt8(ascii: "-"))
                }
                text.append(digits[Int(word >> UInt64(60 - nibble * 4) & 0xF)])
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    private func dispatch(
        _ request: Request,
        context: GatewayRequestContext,
        requestID: String,
        logger: Logger
    ) async -> (Response, label: String) {
        let path = request.uri.path
        if CORSPolicy.isPreflight(method: request.method, headers: request.headers) {
            return (self.preflight(request), "preflight")
        }
        if request.method == .get, let builtIn = await self.builtIn(path: path) {
            return (builtIn, "GET " + path)
        }
        switch self.table.lookup(method: request.method.rawValue, path: path[...]) {
        case .notFound:
            let error = GatewayError.gateway(
                .notFound,
                reason: "NO_ROUTE",
                "no route for \(request.method.rawValue) \(path)"
            )
            return (Self.errorResponse(error), "unmatched")
        case .methodNotAllowed(let allowed):
            var error = GatewayError.gateway(
                .unimplemented,
                reason: "METHOD_NOT_ALLOWED",
                "\(request.method.rawValue) is not allowed on \(path); allowed: \(allowed.joined(separator: ", "))",
                httpStatus: 405
            )
            error.headers = [("Allow", allowed.joined(separator: ", "))]
            return (Self.errorResponse(error), "unmatched")
        case .matched(let route, _) where route.method.clientStreaming:
            let error = GatewayError.gateway(
                .failedPrecondition,
                reason: "WEBSOCKET_REQUIRED",
                "\(route.method.fullName) streams requests: connect to \(path) with a WebSocket upgrade"
            )
            return (Self.errorResponse(error), route.label)
        case .matched(let route, let bindings):
            do {
                let response = try await self.call(
                    route,
                    bindings: bindings,
                    request: request,
                    context: context,
                    requestID: requestID,
                    logger: logger
                )
                return (response, route.label)
            } catch {
                return (Self.errorResponse(error), route.label)
            }
        }
    }

    private func call(
        _ route: Route,
        bindings: [(fieldPath: [String], value: String)],
        request: Request,
        context: GatewayRequestContext,
        requestID: String,
        logger: Logger
    ) async throws(GatewayError) -> Response {
        let body = try await self.collectBody(request, route: route)
        let message = try self.transcoder.requestBytes(
            route: route,
            bindings: bindings,
            query: request.uri.query.map { $0[...] } ?? "",
            body: body
        )
        let (metadata, timeout) = try HeaderMapping.requestMetadata(
            request.headers,
            requestID: requestID,
            peer: context.peer
        )
        var options = CallOptions.defaults
        options.timeout = timeout
        if route.method.serverStreaming {
            return try await self.stream(
                route,
                message: message,
                metadata: metadata,
                options: options,
                request: request
            )
        }
        let response: UpstreamResponse
        do {
            response = try await self.upstream.unary(
                route.descriptor,
                request: message,
                metadata: metadata,
                options: options
            )
        } catch {
            throw Self.upstreamError(error, route: route)
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        HeaderMapping.addResponseHeaders(response.metadata, to: &headers)
        HeaderMapping.addResponseHeaders(response.trailingMetadata, to: &headers)
        let json = try ResponseTranscoder.json(response.message, route: route)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
    }

    static func upstreamError(_ error: any Error, route: Route) -> GatewayError {
        if let error = error as? RPCError { return GatewayError(error) }
        if let error = error as? GatewayError { return error }
        return GatewayError.gateway(
            .unavailable,
            reason: "UPSTREAM_FAILED",
            "calling \(route.method.fullName) failed: \(error)"
        )
    }

    /// Reads the body up to the configured limit (413 past it); checks its media type (415 unless JSON).
    private func collectBody(_ request: Request, route: Route) async throws(GatewayError) -> [UInt8] {
        let limit = self.configuration.maxBodyBytes
        let tooLarge = GatewayError.gateway(
            .resourceExhausted,
            reason: "BODY_TOO_LARGE",
            "the request body is larger than \(limit) bytes",
            httpStatus: 413
        )
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit { throw tooLarge }
        var bytes: [UInt8] = []
        do {
            for try await buffer in request.body {
                guard bytes.count + buffer.readableBytes <= limit else { throw tooLarge }
                bytes += buffer.readableBytesView
            }
        } catch let error as GatewayError {
            throw error
        } catch {
            throw GatewayError.gateway(
                .cancelled,
                reason: "BODY_READ_FAILED",
                "reading the request body failed: \(error)"
            )
        }
        if !bytes.isEmpty, route.body != .none, let type = request.headers[.contentType] {
            let media = String(type.split(separator: ";").first ?? "").trimmingWhitespace().lowercased()
            guard media == "application/json" || media.hasSuffix("+json") else {
                throw GatewayError.gateway(
                    .invalidArgument,
                    reason: "UNSUPPORTED_MEDIA_TYPE",
                    "Content-Type '\(type)' is not supported; send application/json",
                    httpStatus: 415
                )
            }
        }
        return bytes
    }

    /// The JSON `google.rpc.Status` response for `error`, with `WWW-Authenticate` on 401.
    static func errorResponse(_ error: any Error) -> Response {
        let error =
            (error as? GatewayError)
            ?? GatewayError.gateway(.internalError, reason: "INTERNAL", "internal gateway error: \(error)")
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if error.httpStatus == 401 {
            headers[.wwwAuthenticate] = "Bearer realm=\"harvestry\""
        }
        for (name, value) in error.headers {
            if let name = HTTPField.Name(name) { headers[name] = value }
        }
        HeaderMapping.addResponseHeaders(error.metadata, to: &headers)
        return Response(
            status: HTTPResponse.Status(code: error.httpStatus),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: StatusMapping.body(for: error)))
        )
    }
}
