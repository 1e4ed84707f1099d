import Bus

/// `BrokerFaultTarget` over the embedded Mosquitto `harvestry sim run` started itself: kill stops the process, start
/// starts it again on the same port and data directory (so the devices' connections come back and their spools
/// replay). Without an embedded broker (`--mqtt-url`) there is no target and broker faults are refused.
public struct EmbeddedBrokerFaultTarget: BrokerFaultTarget {
    public let broker: EmbeddedMosquitto

    public init(_ broker: EmbeddedMosquitto) {
        self.broker = broker
    }

    public func killBroker() async throws(FaultTargetError) {
        await self.broker.stop()
    }

    public func startBroker() async throws(FaultTargetError) {
        do {
            _ = try await self.broker.start()
        } catch {
            throw FaultTargetError("starting the broker failed: \(error)")
        }
    }
}

/// `SimulatorSummarySource` over a run's `RuntimeStats`: the simulated clock, the devices, what was published and
/// spooled, and the publish rate since the source was made (the run's start).
public struct RuntimeSummarySource: SimulatorSummarySource {
    public let stats: RuntimeStats
    public let wallStart: ContinuousClock.Instant

    public init(stats: RuntimeStats, wallStart: ContinuousClock.Instant = .now) {
        self.stats = stats
        self.wallStart = wallStart
    }

    public func summary() async -> SimulatorSummary {
        let snapshot = self.stats.snapshot
        let elapsed = Double((ContinuousClock.now - self.wallStart).nanoseconds) / 1e9
        return SimulatorSummary(
            simTime: SimInstant(nanosecondsSinceEpoch: snapshot.simNanos),
            devices: snapshot.devices,
            messagesPerSecond: elapsed > 0 ? Double(snapshot.published) / elapsed : 0,
            published: snapshot.published,
            spooled: snapshot.spooled
        )
    }
}

extension TruthRecord {
    /// The ground-truth line of a fault log record (applied, cleared or expired), on the fault's target.
    public static func fault(_ log: FaultLogRecord) -> TruthRecord {
        .fault(log.what, detail: log.detail, device: log.target, at: log.at)
    }
}
