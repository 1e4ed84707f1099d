import API
import GRPCCore
import HTTPTypes
import Hummingbird
import Metrics
import SwiftProtobuf

extension Gateway {
    /// `/healthz` (the gateway is up), `/readyz` (the upstream's grpc.health says SERVING), `/metrics`,
    /// `/openapi.json`.
    func builtIn(path: String) async -> Response? {
        switch path {
        case "/healthz":
            return Self.json(#"{"status":"ok"}"#)
        case "/readyz":
            return await self.readiness()
        case "/metrics":
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(
                status: .ok,
                headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(string: self.metrics.render() + Self.processMetrics()))
            )
        case "/openapi.json":
            return Self.json(self.openAPI)
        default:
            return nil
        }
    }

    /// The swift-metrics of the process (the MQTT consumer's, ...), when `PrometheusRegistry` is the bootstrapped
    /// backend.
    static func processMetrics() -> String {
        (MetricsSystem.factory as? PrometheusRegistry)?.render() ?? ""
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    private func readiness() async -> Response {
        let descriptor = Grpc_Health_V1_Health.Method.Check.descriptor
        var options = CallOptions.defaults
        options.timeout = .seconds(2)
        do {
            let request = try Grpc_Health_V1_HealthCheckRequest().serializedBytes() as [UInt8]
            let response = try await self.upstream.unary(descriptor, request: request, metadata: [:], options: options)
            let health = try Grpc_Health_V1_HealthCheckResponse(serializedBytes: response.message)
            guard health.status == .serving else {
                throw GatewayError.gateway(.unavailable, reason: "NOT_SERVING", "the upstream reports \(health.status)")
            }
            return Self.json(#"{"status":"SERVING"}"#)
        } catch let error as GatewayError {
            return Self.errorResponse(error)
        } catch {
            let reason = "the upstream's health check failed: \(error)"
            return Self.errorResponse(GatewayError.gateway(.unavailable, reason: "UPSTREAM_NOT_READY", reason))
        }
    }

    /// Answers a CORS preflight: 204 with the allowed methods for the path, 403 for an origin not on the list.
    func preflight(_ request: Request) -> Response {
        guard self.cors.allowedOrigin(request.headers) != nil else {
            return Self.errorResponse(
                GatewayError.gateway(
                    .permissionDenied,
                    reason: "CORS_ORIGIN_NOT_ALLOWED",
                    "origin '\(request.headers[.origin] ?? "")' is not allowed"
                )
            )
        }
        var allowed: [String] = []
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] + self.customMethods {
            if case .matched = self.table.lookup(method: method, path: request.uri.path[...]) { allowed.append(method) }
        }
        guard !allowed.isEmpty else {
            return Self.errorResponse(
                GatewayError.gateway(.notFound, reason: "NO_ROUTE", "no route for \(request.uri.path)")
            )
        }
        var headers = HTTPFields()
        CORSPolicy.addPreflightHeaders(request: request.headers, allowedMethods: allowed, to: &headers)
        return Response(status: .noContent, headers: headers)
    }

    private var customMethods: [String] {
        Set(self.table.routes.map(\.httpMethod)).subtracting(["GET", "POST", "PUT", "PATCH", "DELETE"]).sorted()
    }
}
