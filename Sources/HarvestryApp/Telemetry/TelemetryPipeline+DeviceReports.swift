import API
import Domain
import Foundation
import Logging
import SwiftProtobuf

extension TelemetryPipeline {
    /// A raw payload from `hv/v1/{site}/{device}/event`: validated and stored once per (device, event id). Never
    /// throws; returns the dead letter's reason when it was dead-lettered (`MALFORMED_EVENT`, `UNKNOWN_SITE`,
    /// `UNKNOWN_DEVICE`, `DEVICE_MISMATCH`, `STORE_FAILED`).
    public func event(payload: [UInt8], site: String, device: String) async -> String? {
        await self.report(Harvestry_Telemetry_V1_Event.self, payload, site: site, device: device) { event, ids in
            let record = DeviceEvent(
                siteID: ids.site,
                deviceID: ids.device,
                eventID: event.eventID,
                code: event.code,
                severity: DeviceEvent.Severity(event.severity),
                message: event.message,
                attributes: event.attributes,
                occurredAt: event.hasTimestamp ? event.timestamp.date : nil
            )
            try record.validate(now: self.now())
            return { _ = try await self.repository.recordEvent(record) }
        }
    }

    /// A raw payload from the retained `hv/v1/{site}/{device}/state`: validated and kept as the device's latest
    /// unless the stored one is as new or newer. Never throws; returns the dead letter's reason (`MALFORMED_STATE`
    /// and the others of `event`). An empty payload (a retained message being cleared) is ignored.
    public func state(payload: [UInt8], site: String, device: String) async -> String? {
        guard !payload.isEmpty else { return nil }
        return await self.report(Harvestry_Telemetry_V1_State.self, payload, site: site, device: device) { state, ids in
            let record = DeviceState(
                siteID: ids.site,
                deviceID: ids.device,
                reportedAt: state.hasTimestamp ? state.timestamp.date : nil,
                firmwareVersion: state.firmwareVersion,
                uptimeSeconds: state.uptimeSeconds,
                signalDBM: state.signalDbm,
                faultCode: state.faultCode.isEmpty ? nil : state.faultCode,
                properties: state.properties
            )
            try record.validate(now: self.now())
            return { _ = try await self.repository.recordState(record) }
        }
    }

    /// What events and states share: the payload decodes as `Report` and `validate` passes (else
    /// `MALFORMED_EVENT` / `MALFORMED_STATE`, the detail naming the field), the topic's site and device are ids, the
    /// payload names the topic's device (or none), and the store takes the record (an unknown device is
    /// `UNKNOWN_DEVICE`, any other failure `STORE_FAILED`).
    private func report<Report: DeviceReportMessage>(
        _ type: Report.Type,
        _ payload: [UInt8],
        site: String,
        device: String,
        validate: (Report, (site: UUID, device: UUID)) throws -> (() async throws -> Void)
    ) async -> String? {
        let malformed = Report.malformedReason
        let report: Report
        do {
            report = try Report(serializedBytes: payload)
        } catch {
            let detail = "not a \(Report.protoMessageName): \(error)"
            return await self.deadLetter(UUID(uuidString: site), device, malformed, detail, payload).deadLetterReason
        }
        guard let siteID = UUID(uuidString: site) else {
            return await self.deadLetter(nil, device, "UNKNOWN_SITE", "'\(site.prefix(80))' is not a site id", payload)
                .deadLetterReason
        }
        let deviceID: UUID
        switch Self.topicDevice(device, payloadNames: report.deviceID) {
        case .success(let id): deviceID = id
        case .failure(let refusal):
            return await self.deadLetter(siteID, device, refusal.reason, refusal.detail, payload).deadLetterReason
        }
        let store: () async throws -> Void
        do {
            store = try validate(report, (siteID, deviceID))
        } catch {
            let detail = (error as? DomainError)?.message ?? "\(error)"
            return await self.deadLetter(siteID, device, malformed, detail, payload).deadLetterReason
        }
        do {
            try await store()
            return nil
        } catch let error as DomainError where error.code == .notFound {
            return await self.deadLetter(siteID, device, "UNKNOWN_DEVICE", "no such device in the site", payload)
                .deadLetterReason
        } catch {
            self.logger.warning(
                "device report not stored",
                metadata: ["site": "\(site)", "device": "\(device)", "error": "\(error)"]
            )
            return await self.deadLetter(siteID, device, "STORE_FAILED", "\(error)", payload).deadLetterReason
        }
    }
}

/// The device-protocol messages `TelemetryPipeline.report` handles.
protocol DeviceReportMessage: SwiftProtobuf.Message {
    var deviceID: String { get }
    static var malformedReason: String { get }
}

extension Harvestry_Telemetry_V1_Event: DeviceReportMessage {
    static var malformedReason: String { "MALFORMED_EVENT" }
}

extension Harvestry_Telemetry_V1_State: DeviceReportMessage {
    static var malformedReason: String { "MALFORMED_STATE" }
}
