import API
import Domain
import Foundation
import GRPCCore
import SwiftProtobuf

/// `harvestry.telemetry.v1.TelemetryService`: ingest, streams, series, realtime subscriptions and alerts of the
/// caller's sites. Requests are validated first (INVALID_ARGUMENT naming the fields), then the site is checked
/// against the caller's scope (PERMISSION_DENIED, SITE_OUT_OF_SCOPE), then the repository runs under that scope.
public struct TelemetryService: Harvestry_Telemetry_V1_TelemetryService.SimpleServiceProtocol {
    let repository: any TelemetryRepository
    let pipeline: TelemetryPipeline
    let hub: ReadingHub

    public init(pipeline: TelemetryPipeline, hub: ReadingHub) {
        self.repository = pipeline.repository
        self.pipeline = pipeline
        self.hub = hub
    }

    /// Who may send readings and register streams (viewers and compliance only read).
    static let writers: Set<Role> = [.admin, .manager, .supervisor, .operator, .technician]

    public func ingestReadings(
        request: Harvestry_Telemetry_V1_IngestReadingsRequest,
        context: ServerContext
    ) async throws -> Harvestry_Telemetry_V1_IngestReadingsResponse {
        let scope = try Caller.scope(requiringAnyOf: Self.writers, method: "IngestReadings")
        var violations = FieldViolations()
        _ = violations.audit(requestID: request.requestID)
        let parent = violations.name("parent", request.parent, .site, required: false)
        if !request.hasBatch { violations.add("batch", reason: "FIELD_REQUIRED", "is required") }
        let device = violations.uuid("batch.device_id", request.batch.deviceID)
        if request.hasBatch, request.batch.readings.isEmpty {
            violations.add("batch.readings", reason: "FIELD_REQUIRED", "must hold at least one reading")
        }
        try violations.check()
        let site: UUID
        if let parent {
            site = parent["site"]
            try Caller.require(site: site, in: scope)
        } else {
            site = try await self.repository.deviceSite(deviceID: device!, in: scope)
        }
        let outcome = try await self.pipeline.validate(request.batch, device: device!, site: site)
        for issue in outcome.issues { violations.add(issue.field, reason: issue.reason, issue.description) }
        try violations.check()
        let (accepted, duplicates) = try await self.pipeline.store(outcome, site: site)
        return .with {
            $0.accepted = Int32(accepted)
            $0.duplicates = Int32(duplicates)
        }
    }

    public func createStream(
        request: Harvestry_Telemetry_V1_CreateStreamRequest,
        context: ServerContext
    ) async throws -> Harvestry_Telemetry_V1_SensorStream {
        let scope = try Caller.scope(requiringAnyOf: [.admin, .manager, .technician], method: "CreateStream")
        var violations = FieldViolations()
        let audit = violations.audit(requestID: request.requestID)
        let parent = violations.name("parent", request.parent, .site)
        let device = SpatialService.reference(
            "stream.device",
            request.stream.device,
            .equipment,
            site: parent?.site,
            violations: &violations
        )
        let key = violations.code("stream.key", request.stream.key)
        let type = violations.enumeration("stream.type", request.stream.type, required: true)?.domain
        let displayName = violations.optional("stream.display_name", request.stream.displayName)
        try violations.check()
        try Caller.require(site: parent!["site"], in: scope)
        let stream = try await self.repository.createStream(
            NewSensorStream(
                siteID: parent!["site"],
                deviceID: device!,
                key: key!,
                type: type!,
                displayName: displayName
            ),
            in: scope,
            audit: audit
        )
        return .init(stream)
    }

    public func listStreams(
        request: Harvestry_Telemetry_V1_ListStreamsRequest,
        context: ServerContext
    ) async throws -> Harvestry_Telemetry_V1_ListStreamsResponse {
        let scope = try Caller.scope()
        var violations = FieldViolations()
        let page = violations.page(size: request.pageSize, token: request.pageToken)
        let parent = violations.name("parent", request.parent, .site)
        let device = SpatialService.reference(
            "device",
            request.device,
            .equipment,
            site: parent?.site,
            violations: &violations,
            required: false
        )
        try violations.check()
        try Caller.require(site: parent!["site"], in: scope)
        let streams = try await self.repository.listStreams(
            siteID: parent!["site"],
            deviceID: device,
            in: scope,
            page: page
        )
        return .with {
            $0.streams = streams.items.map(Harvestry_Telemetry_V1_SensorStream.init)
            $0.nextPageToken = streams.nextToken ?? ""
        }
    }

    public func querySeries(
        request: Harvestry_Telemetry_V1_QuerySeriesRequest,
        context: ServerContext
    ) async throws -> Harvestry_Telemetry_V1_QuerySeriesResponse {
        let scope = try Caller.scope()
        var violations = FieldViolations()
        let stream = violations.name("stream", request.stream, .stream)
        if !request.hasStartTime { violations.add("start_time", reason: "FIELD_REQUIRED", "is required") }
        if !request.hasEndTime { violations.add("end_time", reason: "FIELD_REQUIRED", "is required") }
        let resolution = request.resolution.domain
        if resolution == nil {
            violations.add(
                "resolution",
                reason: "UNKNOWN_ENUM_VALUE",
                "\(request.resolution.rawValue) is not a known value"
            )
        }
        if request.pageSize < 0 || request.pageSize > 10_000 {
            violations.add("page_size", reason: "INVALID_PAGE", "must be between 0 and 10000")
        }
        let token = violations.optional("page_token", request.pageToken)
        let query = stream.map {
            SeriesQuery(
                streamID: $0["stream"],
                siteID: $0["site"],
                start: request.startTime.date,
                end: request.endTime.date,
                resolution: resolution ?? .raw
            )
        }
        if let query, request.hasStartTime, request.hasEndTime {
            do { try query.validate() } catch let error as DomainError {
                for v in error.violations { violations.add(v.field, reason: "INVALID_TIME_RANGE", v.description) }
            }
        }
        try violations.check()
        try Caller.require(site: query!.siteID, in: scope)
        var page = PageRequest.first
        page.size = request.pageSize == 0 ? 1000 : Int(request.pageSize)
        page.token = token
        let sensor = try await self.repository.stream(query!.streamID, in: scope)
        let points = try await self.repository.series(query!, in: scope, page: page)
        return .with {
            $0.unit = sensor.unit.rawValue
            $0.points = points.items.map(Harvestry_Telemetry_V1_SeriesPoint.init)
            $0.nextPageToken = points.nextToken ?? ""
        }
    }

    public func createAlertRule(
        request: Harvestry_Telemetry_V1_CreateAlertRuleRequest,
        context: ServerContext
    ) async throws -> Harvestry_Telemetry_V1_AlertRule {
        let scope = try Caller.scope(requiringAnyOf: [.admin, .manager, .supervisor], method: "CreateAlertRule")
        var violations = FieldViolations()
        let audit = violations.audit(requestID: request.requestID)
        let parent = violations.name("parent", request.parent, .site)
        let input = request.alertRule
        let stream = SpatialService.reference(
            "alert_rule.stream",
            input.stream,
            .stream,
            site: parent?.site,
            violations: &violations
        )
        let kind: AlertRule.Kind? = violations.enumeration("alert_rule.kind", input.kind, required: true).flatMap {
            switch $0 {
            case .threshold: .threshold
            case .deviation: .deviation
            case .rateOfChange: .rateOfChange
            default: nil
            }
        }
        let displayName = violations.optional("alert_rule.display_name", input.displayName)
        if input.hasDuration, input.duration.seconds < 0 || input.duration.seconds > 86_400 * 7 {
            violations.add("alert_rule.duration", reason: "OUT_OF_RANGE", "must be between 0 and 7 days")
        }
        try violations.check()
        try Caller.require(site: parent!["site"], in: scope)
        let rule = AlertRule(
            siteID: parent!["site"],
            streamID: stream!,
            kind: kind!,
            displayName: displayName,
            lower: input.hasLower ? input.lower : nil,
            upper: input.hasUpper ? input.upper : nil,
            target: input.target,
            band: input.band,
            duration: input.hasDuration ? Double(input.duration.seconds) + Double(input.duration.nanos) / 1e9 : 0,
            ratePerMinute: input.ratePerMinute
        )
        return .init(try await self.repository.createAlertRule(rule, in: scope, audit: audit))
    }

    public func listAlerts(
        request: Harvestry_Telemetry_V1_ListAlertsRequest,
        context: ServerContext
    ) async throws -> Harvestry_Telemetry_V1_ListAlertsResponse {
        let scope = try Caller.scope()
        var violations = FieldViolations()
        let page = violations.page(size: request.pageSize, token: request.pageToken)
        let parent = violations.name("parent", request.parent, .site)
        try violations.check()
        try Caller.require(site: parent!["site"], in: scope)
        let alerts = try await self.repository.listAlerts(
            siteID: parent!["site"],
            includeCleared: request.includeCleared,
            in: scope,
            page: page
        )
        return .with {
            $0.alerts = alerts.items.map(Harvestry_Telemetry_V1_Alert.init)
            $0.nextPageToken = alerts.nextToken ?? ""
        }
    }
}
