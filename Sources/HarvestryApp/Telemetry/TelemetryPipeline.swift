import API
import Domain
import Foundation
import Logging
import SwiftProtobuf

/// The ingest path every source shares: a device's batch is checked against the device's registered streams,
/// coerced to canonical units, deduplicated and stored with its rollups (`TelemetryRepository.ingest`); concurrent
/// batches of a site share one store transaction (`IngestBatcher`).
///
/// Device links (MQTT) call `ingest(payload:site:device:)` or `ingest(_:site:device:)`: it never throws. What it
/// cannot use goes to the dead-letter table with a reason and counts in `counters`: a payload that is not a
/// TelemetryBatch, an unknown site or device, a device id that differs from the topic's, and the invalid readings
/// of a batch (its valid readings are still stored). The RPC path (`checkedIngest`) instead answers the caller
/// with INVALID_ARGUMENT naming the fields, and stores nothing from an invalid batch.
public struct TelemetryPipeline: Sendable {
    let repository: any TelemetryRepository
    let validator: ReadingValidator
    public let counters: TelemetryCounters
    let logger: Logger
    let now: @Sendable () -> Date
    let streams = StreamCache()
    /// Concurrent batches of a site share store transactions (group commit).
    let batcher: IngestBatcher

    public init(
        repository: any TelemetryRepository,
        validator: ReadingValidator = ReadingValidator(),
        counters: TelemetryCounters = TelemetryCounters(),
        logger: Logger = Logger(label: "harvestry.telemetry"),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.repository = repository
        self.validator = validator
        self.counters = counters
        self.logger = logger
        self.now = now
        self.batcher = IngestBatcher { readings, site in
            counters.wrote()
            return try await repository.ingest(readings, siteID: site)
        }
    }

    /// What became of a device payload.
    public struct Outcome: Sendable, Hashable {
        public var accepted: Int
        public var duplicates: Int
        /// Readings that failed validation (dead-lettered).
        public var rejected: Int
        /// The dead letter's reason, when anything was dead-lettered.
        public var deadLetterReason: String?
    }

    /// A raw payload from `hv/v1/{site}/{device}/telemetry`.
    public func ingest(payload: [UInt8], site: String, device: String) async -> Outcome {
        let siteID = UUID(uuidString: site)
        let batch: Harvestry_Telemetry_V1_TelemetryBatch
        do {
            batch = try Harvestry_Telemetry_V1_TelemetryBatch(serializedBytes: payload)
        } catch {
            return await self.deadLetter(siteID, device, "MALFORMED_PAYLOAD", "not a TelemetryBatch: \(error)", payload)
        }
        guard let siteID else {
            return await self.deadLetter(nil, device, "UNKNOWN_SITE", "'\(site.prefix(80))' is not a site id", payload)
        }
        return await self.ingest(batch, site: siteID, device: device, payload: payload)
    }

    /// A decoded batch from `hv/v1/{site}/{device}/telemetry`.
    public func ingest(
        _ batch: Harvestry_Telemetry_V1_TelemetryBatch,
        site: UUID,
        device: String,
        payload: [UInt8]? = nil
    ) async -> Outcome {
        let bytes = { payload ?? ((try? batch.serializedBytes()) ?? []) }
        let deviceID: UUID
        switch Self.topicDevice(device, payloadNames: batch.deviceID) {
        case .success(let id): deviceID = id
        case .failure(let refusal): return await self.deadLetter(site, device, refusal.reason, refusal.detail, bytes())
        }
        do {
            let outcome: ReadingValidator.Outcome
            do {
                outcome = try await self.validate(batch, device: deviceID, site: site)
            } catch let error as DomainError where error.code == .notFound {
                return await self.deadLetter(site, device, "UNKNOWN_DEVICE", "no such device in the site", bytes())
            }
            let (accepted, duplicates) = try await self.store(outcome, site: site)
            var result = Outcome(accepted: accepted, duplicates: duplicates, rejected: outcome.issues.count)
            if let first = outcome.issues.first {
                let detail = outcome.issues.prefix(50).map { "\($0.field): \($0.reason) \($0.description)" }
                    .joined(separator: "\n")
                result.deadLetterReason = first.reason
                await self.record(
                    DeadLetter(
                        siteID: site,
                        device: device,
                        source: .mqtt,
                        reason: first.reason,
                        detail: detail,
                        payload: bytes()
                    )
                )
            }
            return result
        } catch {
            // The store failed (not the payload): keep the payload for replay rather than lose it.
            self.logger.warning(
                "telemetry ingest failed",
                metadata: [
                    "site": "\(site)", "device": "\(device)",
                    "error": "\(error)",
                ]
            )
            return await self.deadLetter(site, device, "STORE_FAILED", "\(error)", bytes())
        }
    }

    /// Why a device message is refused before it is looked at: its dead letter's reason and detail.
    struct Refusal: Error {
        var reason: String
        var detail: String
    }

    /// The topic's device as an id, provided the payload names that device or none (`UNKNOWN_DEVICE`,
    /// `DEVICE_MISMATCH`). Telemetry, events and states share it.
    static func topicDevice(_ device: String, payloadNames named: String) -> Result<UUID, Refusal> {
        guard let deviceID = UUID(uuidString: device) else {
            return .failure(Refusal(reason: "UNKNOWN_DEVICE", detail: "'\(device.prefix(80))' is not a device id"))
        }
        if !named.isEmpty, UUID(uuidString: named) != deviceID {
            let detail = "the payload names device '\(named.prefix(80))'"
            return .failure(Refusal(reason: "DEVICE_MISMATCH", detail: detail))
        }
        return .success(deviceID)
    }

    /// Validates a batch against the device's streams (cached; refetched when the batch names a stream the cached
    /// entry does not know). NOT_FOUND when the site has no such device.
    func validate(
        _ batch: Harvestry_Telemetry_V1_TelemetryBatch,
        device: UUID,
        site: UUID
    ) async throws -> ReadingValidator.Outcome {
        let raw = batch.readings.map(RawReading.init)
        if let cached = self.streams.streams(device: device, site: site) {
            let outcome = self.validator.validate(raw, streams: cached, now: self.now())
            if !outcome.issues.contains(where: { $0.reason == "UNKNOWN_STREAM" }) { return outcome }
        }
        let streams = try await self.repository.deviceStreams(deviceID: device, siteID: site)
        self.streams.store(streams, device: device, site: site)
        return self.validator.validate(raw, streams: streams, now: self.now())
    }

    /// Stores the valid readings of `outcome`, counts them and runs the alert rules over the ones stored now;
    /// returns (accepted, duplicates), duplicates counting repeats within the batch and readings stored before.
    func store(_ outcome: ReadingValidator.Outcome, site: UUID) async throws -> (accepted: Int, duplicates: Int) {
        let stored = try await self.batcher.ingest(outcome.readings, site: site)
        let duplicates = outcome.duplicates + outcome.readings.count - stored.count
        self.counters.record(accepted: stored.count, duplicates: duplicates, rejected: outcome.issues.count)
        await self.evaluateAlerts(stored, site: site)
        return (stored.count, duplicates)
    }

    /// A device's `status` message (ONLINE as a heartbeat, OFFLINE as its last will). Never throws; an unknown
    /// device is dead-lettered. Returns the dead letter's reason, if any.
    @discardableResult
    public func status(_ status: Harvestry_Telemetry_V1_Status, site: UUID, device: String) async -> String? {
        guard let deviceID = UUID(uuidString: device), status.connectivity == .online || status.connectivity == .offline
        else {
            return await self.deadLetter(
                site,
                device,
                "MALFORMED_STATUS",
                "not a device id or connectivity",
                (try? status.serializedBytes()) ?? []
            ).deadLetterReason
        }
        do {
            try await self.repository.recordConnectivity(
                deviceID: deviceID,
                siteID: site,
                online: status.connectivity == .online,
                at: status.hasTimestamp ? min(status.timestamp.date, self.now()) : self.now()
            )
        } catch {
            let reason = (error as? DomainError)?.code == .notFound ? "UNKNOWN_DEVICE" : "STORE_FAILED"
            return await self.deadLetter(site, device, reason, "\(error)", (try? status.serializedBytes()) ?? [])
                .deadLetterReason
        }
        return nil
    }

    /// Fires and clears alerts for readings just stored. A failure is logged, not raised: the readings are stored,
    /// and the next batch evaluates the rules again from their saved state.
    func evaluateAlerts(_ stored: [Reading], site: UUID) async {
        guard !stored.isEmpty else { return }
        do {
            _ = try await self.repository.evaluateAlerts(stored, siteID: site)
        } catch {
            self.logger.warning("alert evaluation failed", metadata: ["site": "\(site)", "error": "\(error)"])
        }
    }

    func deadLetter(
        _ site: UUID?,
        _ device: String,
        _ reason: String,
        _ detail: String,
        _ payload: [UInt8]
    )
        async -> Outcome
    {
        await self.record(
            DeadLetter(
                siteID: site,
                device: device,
                source: .mqtt,
                reason: reason,
                detail: detail,
                payload: payload
            )
        )
        return Outcome(accepted: 0, duplicates: 0, rejected: 0, deadLetterReason: reason)
    }

    private func record(_ letter: DeadLetter) async {
        self.counters.deadLettered(reason: letter.reason)
        do {
            try await self.repository.deadLetter(letter)
        } catch {
            self.logger.error("dead letter lost", metadata: ["reason": "\(letter.reason)", "error": "\(error)"])
        }
    }
}

extension RawReading {
    init(_ reading: Harvestry_Telemetry_V1_Reading) {
        self.init(
            streamKey: reading.stream,
            streamID: reading.streamID,
            value: reading.value,
            unit: reading.unit,
            time: reading.hasTimestamp ? reading.timestamp.date : nil
        )
    }
}
