/// Which way through the proxy a toxic acts: `upstream` is client -> server (a device's publishes), `downstream`
/// server -> client (the broker's acks and deliveries), `both` either way. Toxiproxy calls this the toxic's `stream`.
public enum ToxicDirection: String, Sendable, Hashable, Codable, CaseIterable {
    case upstream
    case downstream
    case both

    /// Parses `upstream`, `downstream` or `both`; the error names `field`.
    public init(parsing text: String, field: String = "stream") throws(FaultProxyError) {
        guard let direction = ToxicDirection(rawValue: text.lowercased()) else {
            throw FaultProxyError.invalid(field, "'\(text.prefix(40))' is not upstream, downstream or both")
        }
        self = direction
    }

    /// Whether data flowing `flow` is subject to a toxic of this direction.
    public func covers(_ flow: FlowDirection) -> Bool {
        switch self {
        case .both: true
        case .upstream: flow == .upstream
        case .downstream: flow == .downstream
        }
    }
}

/// The way one chunk of data flows through the proxy.
public enum FlowDirection: String, Sendable, Hashable, Codable, CaseIterable {
    /// Client -> server.
    case upstream
    /// Server -> client.
    case downstream
}
