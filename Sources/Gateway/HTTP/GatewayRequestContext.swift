import Hummingbird
import NIOCore

/// Hummingbird's request context plus the peer's address, for `X-Forwarded-For`.
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address, when the connection has one.
    public let peer: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.peer = source.channel.remoteAddress?.ipAddress
    }

    /// Bodies are read by the gateway itself, with its own limit and a JSON 413.
    public var maxUploadSize: Int { .max }
}
