import API
import Foundation
import GRPCCore
import GRPCProtobuf
import Logging
import SwiftProtobuf

extension Uploader {
    /// One device's request until it is stored, refused for good, or has to wait for a retry. Readings the server
    /// names in INVALID_ARGUMENT field violations are logged, counted and left out; the rest is sent again under a
    /// request id of its own.
    func send(_ original: Harvestry_Telemetry_V1_IngestReadingsRequest, with sender: some IngestSender) async -> Delivery {
        var request = original
        var round = 0
        while true {
            do {
                let response = try await sender.ingest(request)
                self.metrics.delivered(
                    accepted: Int(response.accepted),
                    duplicates: Int(response.duplicates),
                    at: Date()
                )
                return .done
            } catch let error as RPCError {
                if Task.isCancelled { return .cancelled }
                let status = try? error.unpackGoogleRPCStatus()
                let reason = status?.details.lazy.compactMap { $0.errorInfo }.first?.reason
                if reason == "REQUEST_ID_REUSED", !request.requestID.isEmpty {
                    // A copy of this spool's directory used the id with other readings: send without one, the
                    // (stream, timestamp) deduplication still makes a replay harmless.
                    self.logger.warning("uplink: request id reused elsewhere", metadata: ["request_id": "\(request.requestID)"])
                    request.requestID = ""
                    continue
                }
                self.metrics.failed(code: "\(error.code)", message: error.message)
                guard UplinkFailure.classify(error.code) == .reject else { return .retry("\(error.code): \(error.message)") }
                let violations = status?.details.compactMap { $0.badRequest }.flatMap(\.violations) ?? []
                let named = Set(violations.compactMap { UplinkFailure.readingIndex($0.field) })
                    .filter { request.batch.readings.indices.contains($0) }
                round += 1
                guard !named.isEmpty, named.count < request.batch.readings.count, round <= 3 else {
                    self.metrics.rejected(readings: request.batch.readings.count)
                    self.logger.error(
                        "uplink: the platform refused a device's readings; they are dropped",
                        metadata: [
                            "device": "\(request.batch.deviceID)", "readings": "\(request.batch.readings.count)",
                            "code": "\(error.code)", "error": "\(error.message)",
                        ]
                    )
                    return .done
                }
                self.logRefused(request, named: named, violations: violations)
                self.metrics.rejected(readings: named.count)
                request.batch.readings = request.batch.readings.enumerated().filter { !named.contains($0.offset) }
                    .map(\.element)
                request.requestID = original.requestID.isEmpty ? "" : original.requestID + ":v\(round)"
            } catch {
                if Task.isCancelled || error is CancellationError { return .cancelled }
                self.metrics.failed(code: "unknown", message: "\(error)")
                return .retry("\(error)")
            }
        }
    }

    private func logRefused(
        _ request: Harvestry_Telemetry_V1_IngestReadingsRequest,
        named: Set<Int>,
        violations: [ErrorDetails.BadRequest.FieldViolation]
    ) {
        for violation in violations.prefix(20) {
            guard let index = UplinkFailure.readingIndex(violation.field), named.contains(index) else { continue }
            let reading = request.batch.readings[index]
            self.logger.error(
                "uplink: the platform refused a reading; it is dropped",
                metadata: [
                    "device": "\(request.batch.deviceID)", "stream": "\(reading.stream)", "value": "\(reading.value)",
                    "unit": "\(reading.unit)", "timestamp": "\(reading.timestamp.date)",
                    "field": "\(violation.field)", "violation": "\(violation.violationDescription)",
                ]
            )
        }
    }
}
