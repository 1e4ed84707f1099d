import API
import Domain
import Foundation
import GRPCCore
import GRPCProtobuf

extension TelemetryService {
    /// The streaming entry point: a server stream's body runs after the interceptors have returned, outside the
    /// task-local the auth interceptor binds, so the caller is captured here and bound again around the body.
    public func subscribe(
        request: ServerRequest<Harvestry_Telemetry_V1_SubscribeRequest>,
        context: ServerContext
    ) async throws -> StreamingServerResponse<Harvestry_Telemetry_V1_ReadingUpdate> {
        let principal = Principal.current
        return StreamingServerResponse { writer in
            try await Principal.$current.withValue(principal) {
                try await self.subscribe(request: request.message, response: writer, context: context)
            }
            return [:]
        }
    }

    /// Streams the readings of a site (optionally one zone's devices, or named streams) as the hub delivers them.
    /// Streams registered after the call started are picked up when their first reading arrives.
    public func subscribe(
        request: Harvestry_Telemetry_V1_SubscribeRequest,
        response: RPCWriter<Harvestry_Telemetry_V1_ReadingUpdate>,
        context: ServerContext
    ) async throws {
        let scope = try Caller.scope()
        var violations = FieldViolations()
        let parent = violations.name("parent", request.parent, .site)
        let zone = SpatialService.reference(
            "zone",
            request.zone,
            .zone,
            site: parent?.site,
            violations: &violations,
            required: false
        )
        var only = Set<UUID>()
        for (index, name) in request.streams.prefix(1_000).enumerated() {
            if let id = SpatialService.reference(
                "streams[\(index)]",
                name,
                .stream,
                site: parent?.site,
                violations: &violations
            ) {
                only.insert(id)
            }
        }
        try violations.check()
        let site = parent!["site"]
        try Caller.require(site: site, in: scope)
        // Subscribe before reading the streams, so nothing stored in between is missed.
        let (id, batches) = self.hub.subscribe(site: site)
        defer { self.hub.unsubscribe(id) }
        var streams = try await self.siteStreams(site, in: scope)
        for await batch in batches {
            var updates: [Harvestry_Telemetry_V1_ReadingUpdate] = []
            for reading in batch where only.isEmpty || only.contains(reading.streamID) {
                if streams[reading.streamID] == nil {
                    streams = try await self.siteStreams(site, in: scope)
                }
                guard let stream = streams[reading.streamID] else { continue }
                if let zone, stream.zoneID != zone { continue }
                updates.append(.init(reading, stream: stream))
            }
            if !updates.isEmpty { try await response.write(contentsOf: updates) }
        }
    }

    /// Every stream of the site, by id.
    func siteStreams(_ site: UUID, in scope: AccessScope) async throws -> [UUID: SensorStream] {
        var streams: [UUID: SensorStream] = [:]
        var token: String?
        for _ in 0..<1_000 {
            let page = try await self.repository.listStreams(
                siteID: site,
                deviceID: nil,
                in: scope,
                page: try PageRequest(size: PageRequest.maximumSize, token: token)
            )
            for stream in page.items { streams[stream.id] = stream }
            token = page.nextToken
            if token == nil { break }
        }
        return streams
    }
}
