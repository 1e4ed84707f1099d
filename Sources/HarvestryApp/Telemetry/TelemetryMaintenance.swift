import Domain
import Foundation
import Logging
import ServiceLifecycle
import Store

/// The telemetry housekeeping loop: keeps the next days' reading partitions ready, applies retention (raw
/// partitions and rollups) and marks devices offline whose heartbeats stopped. Every step tolerates failure (it is
/// logged and retried on the next round); several instances may run it at once.
public struct TelemetryMaintenance: Service {
    public struct Configuration: Sendable, Hashable {
        /// Raw readings are kept this long (whole UTC days), rollups `rollupRetention`.
        public var rawRetention: Duration
        public var rollupRetention: Duration
        /// A device with no heartbeat for this long is offline.
        public var offlineAfter: Duration
        /// How often the offline sweep and the partition check run.
        public var interval: Duration
        /// How often retention runs (its rollup DELETEs scan the rollup tables).
        public var retentionInterval: Duration

        /// Keep `ReadingValidator.maximumAge` within `rawRetention` (the defaults are both 90 days), so no accepted
        /// reading falls in a day whose partition retention has dropped.
        public init(
            rawRetention: Duration = .seconds(90 * 86_400),
            rollupRetention: Duration = .seconds(730 * 86_400),
            offlineAfter: Duration = .seconds(120),
            interval: Duration = .seconds(15),
            retentionInterval: Duration = .seconds(3_600)
        ) {
            self.rawRetention = rawRetention
            self.rollupRetention = rollupRetention
            self.offlineAfter = offlineAfter
            self.interval = interval
            self.retentionInterval = retentionInterval
        }
    }

    let repository: PostgresTelemetryRepository
    let configuration: Configuration
    let logger: Logger

    public init(repository: PostgresTelemetryRepository, configuration: Configuration = .init(), logger: Logger) {
        self.repository = repository
        self.configuration = configuration
        self.logger = logger
    }

    /// One round (with retention when `retention`); returns the devices marked offline.
    @discardableResult
    public func runOnce(now: Date = Date(), retention: Bool = true) async -> [UUID] {
        do {
            try await self.repository.preparePartitions(from: now, days: 3)
            if retention {
                _ = try await self.repository.applyRetention(
                    raw: self.configuration.rawRetention,
                    rollups: self.configuration.rollupRetention,
                    now: now
                )
            }
        } catch {
            self.logger.warning("telemetry partition/retention step failed", metadata: ["error": "\(error)"])
        }
        do {
            let silent = now.addingTimeInterval(-Double(self.configuration.offlineAfter.components.seconds))
            let marked = try await self.repository.markSilentDevicesOffline(heartbeatBefore: silent)
            for device in marked {
                self.logger.info("device offline: no heartbeat", metadata: ["device": "\(device)"])
            }
            return marked
        } catch {
            self.logger.warning("offline detection failed", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// Rounds every `interval` until graceful shutdown (which also cuts the sleep short).
    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var lastRetention: ContinuousClock.Instant?
            while !Task.isCancelled {
                let now = ContinuousClock.now
                let due = lastRetention.map { now - $0 >= self.configuration.retentionInterval } ?? true
                if due { lastRetention = now }
                await self.runOnce(retention: due)
                try await Task.sleep(for: self.configuration.interval)
            }
        }
    }
}
