import Bus
import Logging
import Simulator
import Synchronization

extension SimRun {
    /// `SimOptions.withBroker` with the run's fault proxies: one per device group in front of the broker
    /// (`RuntimeNetworkFaultTarget`), nil with `--no-fault-proxies`. The proxies stop when `body` returns or
    /// throws; their records go to `truth` (`TruthRecord.proxy`) at `clock`'s instant.
    func withBroker<T>(
        proxying groups: DeviceGroups,
        truth: TruthRecorder?,
        clock: SimNowBinding,
        _ body: (MQTTEndpoint, EmbeddedMosquitto?, RuntimeNetworkFaultTarget?) async throws -> T
    ) async throws -> T {
        try await self.options.withBroker { (endpoint: MQTTEndpoint, embedded: EmbeddedMosquitto?) async throws -> T in
            guard !self.noFaultProxies else { return try await body(endpoint, embedded, nil) }
            let network = try await Self.startFaultProxies(
                groups,
                broker: endpoint,
                seed: self.options.seed,
                truth: truth,
                clock: clock
            )
            do {
                let value = try await body(endpoint, embedded, network)
                await network.stop()
                return value
            } catch {
                await network.stop()
                throw error
            }
        }
    }

    private static func startFaultProxies(
        _ groups: DeviceGroups,
        broker: MQTTEndpoint,
        seed: UInt64,
        truth: TruthRecorder?,
        clock: SimNowBinding
    ) async throws -> RuntimeNetworkFaultTarget {
        var logger = Logger(label: "harvestry.sim.fault-proxy")
        logger.logLevel = .info
        var onRecord: (@Sendable (FaultRecord) -> Void)?
        if let truth {
            onRecord = { record in
                if let line = TruthRecord.proxy(record, at: clock.now()) { truth.record(line) }
            }
        }
        let network = try await RuntimeNetworkFaultTarget.start(
            groups: groups.names,
            upstream: broker,
            seed: seed,
            logger: logger,
            onRecord: onRecord
        )
        print("fault proxies: one per device group (\(groups.names.count)) in front of \(broker)")
        return network
    }
}

/// The simulation's clock, bound once the runtime exists (the proxies, made before it, read it for their records).
final class SimNowBinding: Sendable {
    private let source: Mutex<(@Sendable () -> SimInstant)?>
    private let fallback: SimInstant

    init(until fallback: SimInstant) {
        self.fallback = fallback
        self.source = Mutex(nil)
    }

    func bind(_ source: @escaping @Sendable () -> SimInstant) {
        self.source.withLock { $0 = source }
    }

    func now() -> SimInstant {
        self.source.withLock { $0 }?() ?? self.fallback
    }
}
