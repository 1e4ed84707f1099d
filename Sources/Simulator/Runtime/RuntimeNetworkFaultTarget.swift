import Bus
import Logging

/// `NetworkFaultTarget` over the fault proxies of a run (`harvestry sim run`): one `FaultProxy` per device group,
/// on loopback, in front of the broker; the group's connections connect to it (`brokerByGroup`). A toxic on a
/// group goes to its proxy; on `all`, to every proxy (and is removed from every one).
public final class RuntimeNetworkFaultTarget: NetworkFaultTarget {
    /// Each group's proxy.
    public let proxies: [String: FaultProxy]
    /// Each group's proxy endpoint, for `RuntimeConfiguration.brokerByGroup`.
    public let endpoints: [String: MQTTEndpoint]

    private init(proxies: [String: FaultProxy], endpoints: [String: MQTTEndpoint]) {
        self.proxies = proxies
        self.endpoints = endpoints
    }

    /// Starts a proxy per group on 127.0.0.1 (a free port each) forwarding to `upstream`, named `broker-{group}`
    /// (`broker.group-{n}` when the group's name is too long for a proxy name; the dot keeps it apart from any `broker-{group}`). Proxy `n` is seeded `seed + n`.
    /// `onRecord` gets every proxy's fault records (see `FaultProxy.init`). Stops what it started when one fails.
    public static func start(
        groups: [String],
        upstream: MQTTEndpoint,
        seed: UInt64,
        logger: Logger,
        onRecord: (@Sendable (FaultRecord) -> Void)? = nil
    ) async throws(FaultProxyError) -> RuntimeNetworkFaultTarget {
        var proxies: [String: FaultProxy] = [:]
        var endpoints: [String: MQTTEndpoint] = [:]
        for (index, group) in groups.enumerated() where proxies[group] == nil {
            let proxy = FaultProxy(
                .init(
                    name: Self.proxyName(group: group, index: index),
                    group: group,
                    upstreamHost: upstream.host,
                    upstreamPort: upstream.port,
                    seed: seed &+ UInt64(index)
                ),
                logger: logger,
                onRecord: onRecord
            )
            do {
                let port = try await proxy.start()
                proxies[group] = proxy
                endpoints[group] = MQTTEndpoint(host: "127.0.0.1", port: port)
            } catch {
                for started in proxies.values { await started.stop() }
                throw error
            }
        }
        return RuntimeNetworkFaultTarget(proxies: proxies, endpoints: endpoints)
    }

    static func proxyName(group: String, index: Int) -> String {
        let name = "broker-\(group)"
        return (try? Toxic.validateName(name)) != nil ? name : "broker.group-\(index)"
    }

    /// Stops every proxy (their connections close; the devices reconnect to nothing until the run ends).
    public func stop() async {
        for proxy in self.proxies.values { await proxy.stop() }
    }

    public func hasProxy(forGroup group: String) async -> Bool {
        !self.proxies(of: group).isEmpty
    }

    public func addToxic(_ toxic: NetworkToxic, named name: String, group: String) async throws(FaultTargetError) {
        var added: [FaultProxy] = []
        for proxy in self.proxies(of: group) {
            do {
                try proxy.add(toxic.toxic(named: name))
                added.append(proxy)
            } catch {
                for proxy in added { proxy.remove(toxicNamed: name) }
                throw FaultTargetError(field: error.field, "\(proxy.configuration.name): \(error.message)")
            }
        }
    }

    public func removeToxic(named name: String, group: String) async {
        for proxy in self.proxies(of: group) { proxy.remove(toxicNamed: name) }
    }

    /// `group`'s proxy, or every proxy for `all` (in group order), or none.
    private func proxies(of group: String) -> [FaultProxy] {
        if group == DeviceGroups.all {
            return self.proxies.sorted { $0.key < $1.key }.map(\.value)
        }
        return self.proxies[group].map { [$0] } ?? []
    }
}
