import API
import CoreTransport
import Foundation
import GRPCCore
import Logging
import ServiceLifecycle

/// Delivers the spool to the platform (docs/edge.md, "Uplink"): takes the oldest batch, sends one IngestReadings
/// per device over the C-core client with the bearer token, and acknowledges the batch to the spool only after
/// every device's call succeeded (or its readings were refused for good). While the platform is unreachable it
/// retries the same batch with exponential backoff; nothing leaves the spool meanwhile. `run()` returns when its
/// task is cancelled or the service group shuts down.
public struct Uploader: Service {
    let spool: any ReadingSpool
    let spoolIdentity: String
    public let configuration: UplinkConfiguration
    public let metrics: UplinkMetrics
    let logger: Logger

    /// - Parameter spoolIdentity: `FileSpool.identity`; the request ids carry it.
    public init(
        spool: any ReadingSpool,
        spoolIdentity: String,
        configuration: UplinkConfiguration,
        metrics: UplinkMetrics = UplinkMetrics(),
        logger: Logger
    ) throws(UplinkError) {
        try configuration.validate()
        self.spool = spool
        self.spoolIdentity = spoolIdentity
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        let transport: CoreClientTransport
        do {
            transport = try CoreClientTransport(
                target: self.configuration.target,
                config: .init(
                    keepalive: Keepalive(interval: .seconds(30), timeout: .seconds(10)),
                    tls: self.configuration.tls,
                    maximumReconnectBackoff: self.configuration.backoff.maximum
                )
            )
        } catch {
            throw UplinkError("uplink.tls: \(error)")
        }
        self.logger.info("uplink started", metadata: ["target": "\(self.configuration.target)"])
        try await withGRPCClient(transport: transport) { client in
            let sender = GRPCIngestSender(
                client: client,
                token: self.configuration.token,
                timeout: self.configuration.callTimeout
            )
            await cancelWhenGracefulShutdown { await self.deliver(with: sender) }
        }
        self.logger.info("uplink stopped")
    }

    /// The delivery loop over `sender`, until the task is cancelled.
    public func deliver(with sender: some IngestSender) async {
        var failures = 0
        while !Task.isCancelled {
            let batch: SpoolBatch?
            do {
                batch = try await self.spool.oldestBatch(limit: self.configuration.batchLimit)
            } catch {
                failures += 1
                self.metrics.failed(code: "spool", message: "\(error)")
                self.logger.error("uplink: the spool cannot be read", metadata: ["error": "\(error)"])
                guard await self.pause(self.backoff(failures)) else { return }
                continue
            }
            guard let batch else {
                guard await self.pause(self.configuration.idleInterval) else { return }
                continue
            }
            switch await self.deliver(batch, with: sender) {
            case .cancelled:
                return
            case .retry(let error):
                failures += 1
                self.logRetry(failures, error: error, batch: batch)
                guard await self.pause(self.backoff(failures)) else { return }
            case .done:
                do {
                    try await self.spool.acknowledge(batch)
                    self.metrics.acknowledged()
                } catch {
                    // The batch stays in the spool and is sent again (a harmless replay), after the backoff: a disk
                    // that refuses the acknowledgement (full, read-only) must not turn into a resend loop.
                    failures += 1
                    self.metrics.failed(code: "spool", message: "\(error)")
                    self.logger.error(
                        "uplink: acknowledging to the spool failed",
                        metadata: ["error": "\(error)", "failed_attempts": "\(failures)"]
                    )
                    guard await self.pause(self.backoff(failures)) else { return }
                    continue
                }
                if failures > 0 {
                    self.logger.info("uplink: delivering again", metadata: ["failed_attempts": "\(failures)"])
                }
                failures = 0
            }
        }
    }

    enum Delivery: Equatable {
        /// Every device's readings were stored or refused for good: acknowledge the batch.
        case done
        case retry(String)
        case cancelled
    }

    /// Every device's request of the batch, `concurrency` at a time; after the first failure no new one starts.
    func deliver(_ batch: SpoolBatch, with sender: some IngestSender) async -> Delivery {
        let requests = UplinkRequests.make(batch, spoolIdentity: self.spoolIdentity)
        return await withTaskGroup(of: Delivery.self) { group in
            var next = 0
            while next < min(self.configuration.concurrency, requests.count) {
                let request = requests[next]
                group.addTask { await self.send(request, with: sender) }
                next += 1
            }
            var outcome = Delivery.done
            for await delivery in group {
                if outcome == .done, delivery != .done { outcome = delivery }
                guard outcome == .done, next < requests.count else { continue }
                let request = requests[next]
                group.addTask { await self.send(request, with: sender) }
                next += 1
            }
            return outcome
        }
    }

    private func backoff(_ failures: Int) -> Duration {
        self.configuration.backoff.delay(attempt: failures, random: Double.random(in: 0..<1))
    }

    /// Sleeps; false when cancelled meanwhile.
    private func pause(_ duration: Duration) async -> Bool {
        do {
            try await Task.sleep(for: duration)
            return true
        } catch {
            return false
        }
    }

    /// The first failure and every power of two after it at warning level, the rest at debug.
    private func logRetry(_ failures: Int, error: String, batch: SpoolBatch) {
        let metadata: Logger.Metadata = [
            "error": "\(error)", "failed_attempts": "\(failures)", "first_sequence": "\(batch.firstSequence)",
            "readings": "\(batch.readings.count)",
        ]
        if failures & (failures - 1) == 0 {
            self.logger.warning("uplink: delivery failed, retrying with backoff", metadata: metadata)
        } else {
            self.logger.debug("uplink: delivery failed, retrying with backoff", metadata: metadata)
        }
    }
}
