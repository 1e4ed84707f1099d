extension FaultProxy {
    /// Where a proxy listens and forwards to, and how its faults are labelled and logged.
    public struct Configuration: Sendable, Hashable {
        /// Names the proxy in the fault log (e.g. `broker-zone-a`).
        public var name: String
        /// The device group whose connections go through it, for the fault log.
        public var group: String?
        /// A loopback address (`127.0.0.1`, `::1`, `localhost`): the proxy is a test and drill tool.
        public var listenHost: String
        /// 0 picks a free port (see `FaultProxy.port`).
        public var listenPort: Int
        public var upstreamHost: String
        public var upstreamPort: Int
        /// How many fault records the in-memory log keeps (the oldest are dropped beyond it).
        public var logCapacity: Int
        /// Makes jitter, slice sizes and toxicity draws reproducible.
        public var seed: UInt64

        public init(
            name: String,
            group: String? = nil,
            listenHost: String = "127.0.0.1",
            listenPort: Int = 0,
            upstreamHost: String = "127.0.0.1",
            upstreamPort: Int,
            logCapacity: Int = 10_000,
            seed: UInt64 = 1
        ) {
            self.name = name
            self.group = group
            self.listenHost = listenHost
            self.listenPort = listenPort
            self.upstreamHost = upstreamHost
            self.upstreamPort = upstreamPort
            self.logCapacity = logCapacity
            self.seed = seed
        }

        /// Checks every field; the error names the bad one.
        public func validate() throws(FaultProxyError) {
            do {
                try Toxic.validateName(self.name)
            } catch {
                throw FaultProxyError.invalid(
                    "name",
                    "'\(self.name.prefix(80))' must be 1-64 letters, digits, '_', '-' or '.'"
                )
            }
            if let group = self.group, group.isEmpty || group.count > 128 {
                throw FaultProxyError.invalid("group", "must be 1-128 characters when given")
            }
            guard ["127.0.0.1", "::1", "localhost"].contains(self.listenHost) else {
                throw FaultProxyError.invalid(
                    "listen_host",
                    "'\(self.listenHost.prefix(80))' is not a loopback address (127.0.0.1, ::1, localhost)"
                )
            }
            guard (0...65_535).contains(self.listenPort) else {
                throw FaultProxyError.invalid("listen_port", "\(self.listenPort) is not between 0 and 65535")
            }
            guard !self.upstreamHost.isEmpty, !self.upstreamHost.contains(where: { $0 == " " || $0 == "/" }) else {
                throw FaultProxyError.invalid("upstream_host", "'\(self.upstreamHost.prefix(80))' is not a host")
            }
            guard (1...65_535).contains(self.upstreamPort) else {
                throw FaultProxyError.invalid("upstream_port", "\(self.upstreamPort) is not between 1 and 65535")
            }
            guard (1...10_000_000).contains(self.logCapacity) else {
                throw FaultProxyError.invalid("log_capacity", "\(self.logCapacity) is not between 1 and 10000000")
            }
        }
    }
}
