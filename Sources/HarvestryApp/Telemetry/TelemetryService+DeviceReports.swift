import API
import Domain
import Foundation
import GRPCCore
import SwiftProtobuf

extension TelemetryService {
    public func listDeviceEvents(
        request: Harvestry_Telemetry_V1_ListDeviceEventsRequest,
        context: ServerContext
    ) async throws -> Harvestry_Telemetry_V1_ListDeviceEventsResponse {
        let scope = try Caller.scope()
        var violations = FieldViolations()
        let page = violations.page(size: request.pageSize, token: request.pageToken)
        let parent = violations.name("parent", request.parent, .equipment)
        try violations.check()
        try Caller.require(site: parent!["site"], in: scope)
        let events = try await self.repository.listDeviceEvents(
            deviceID: parent!["equipment"],
            siteID: parent!["site"],
            in: scope,
            page: page
        )
        return .with {
            $0.events = events.items.map(Harvestry_Telemetry_V1_Event.init)
            $0.nextPageToken = events.nextToken ?? ""
        }
    }

    public func getDeviceState(
        request: Harvestry_Telemetry_V1_GetDeviceStateRequest,
        context: ServerContext
    ) async throws -> Harvestry_Telemetry_V1_State {
        let scope = try Caller.scope()
        var violations = FieldViolations()
        let name = violations.name("name", request.name, .deviceState)
        try violations.check()
        try Caller.require(site: name!["site"], in: scope)
        guard
            let state = try await self.repository.deviceState(
                deviceID: name!["equipment"],
                siteID: name!["site"],
                in: scope
            )
        else {
            throw ServiceError.notFound(request.name)
        }
        return .init(state)
    }
}

extension Harvestry_Telemetry_V1_Event {
    init(_ event: DeviceEvent) {
        self.init()
        self.deviceID = event.deviceID.uuidString.lowercased()
        self.eventID = event.eventID
        self.code = event.code
        self.severity =
            switch event.severity {
            case .info: .info
            case .warning: .warning
            case .critical: .critical
            case .unspecified: .unspecified
            }
        self.message = event.message
        self.attributes = event.attributes
        if let occurredAt = event.occurredAt { self.timestamp = .init(date: occurredAt) }
    }
}

extension Harvestry_Telemetry_V1_State {
    init(_ state: DeviceState) {
        self.init()
        self.deviceID = state.deviceID.uuidString.lowercased()
        if let reportedAt = state.reportedAt { self.timestamp = .init(date: reportedAt) }
        self.firmwareVersion = state.firmwareVersion
        self.uptimeSeconds = state.uptimeSeconds
        self.signalDbm = state.signalDBM
        self.faultCode = state.faultCode ?? ""
        self.properties = state.properties
    }
}

extension DeviceEvent.Severity {
    init(_ severity: Harvestry_Telemetry_V1_Event.Severity) {
        switch severity {
        case .info: self = .info
        case .warning: self = .warning
        case .critical: self = .critical
        default: self = .unspecified
        }
    }
}
