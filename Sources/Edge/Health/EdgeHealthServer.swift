import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// `GET /healthz` (JSON, 200 or 503) and `GET /metrics` (Prometheus text) of the edge agent on a local address
/// (docs/edge.md, "Health").
public struct EdgeHealthServer: Service {
    let host: String
    let port: Int
    let spool: any ReadingSpool
    let uplink: UplinkMetrics
    let sources: [any EdgeHealthSource]
    let maximumUnsentAge: TimeInterval
    let logger: Logger
    let onListening: @Sendable (Int) async -> Void

    /// - Parameters:
    ///   - maximumUnsentAge: `/healthz` answers 503 once the oldest undelivered reading is older.
    ///   - sources: further sections (the poller's snapshot).
    ///   - onListening: called with the bound port (port 0 picks one).
    public init(
        host: String,
        port: Int,
        spool: any ReadingSpool,
        uplink: UplinkMetrics,
        sources: [any EdgeHealthSource] = [],
        maximumUnsentAge: TimeInterval = 900,
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.host = host
        self.port = port
        self.spool = spool
        self.uplink = uplink
        self.sources = sources
        self.maximumUnsentAge = maximumUnsentAge
        self.logger = logger
        self.onListening = onListening
    }

    /// The report as of now.
    public func report() async -> EdgeHealthReport {
        var sections: [EdgeHealthSection] = []
        for source in self.sources { sections.append(await source.healthSection()) }
        return EdgeHealthReport(
            spool: await self.spool.status(),
            uplink: self.uplink.snapshot(),
            sections: sections,
            now: Date(),
            maximumUnsentAge: self.maximumUnsentAge
        )
    }

    public func run() async throws {
        let router = Router()
        router.get("healthz") { _, _ -> Response in
            let report = await self.report()
            return Self.response(report.healthy ? .ok : .serviceUnavailable, report.json(), type: "application/json")
        }
        router.get("metrics") { _, _ -> Response in
            Self.response(.ok, await self.report().prometheus(), type: "text/plain; version=0.0.4")
        }
        let logger = self.logger
        let onListening = self.onListening
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(self.host, port: self.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.info("edge health listening", metadata: ["port": "\(port)"])
                await onListening(port)
            },
            logger: logger
        )
        try await application.run()
    }

    private static func response(_ status: HTTPResponse.Status, _ body: String, type: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: type],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body))
        )
    }
}
