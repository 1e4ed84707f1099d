import API
import GRPCCore
import Synchronization

/// The server's record of which services are healthy, read by ``HealthService``.
///
/// The server sets statuses as services start, degrade, recover and drain; `Check` and `Watch` read them,
/// and every open `Watch` receives each change. A service nobody has set a status for is unknown to the
/// health protocol. The server as a whole is the service named `""`, which starts out serving.
///
/// ```swift
/// let health = HealthProvider()
/// health.setStatus(.serving, for: Harvestry_Echo_V1_EchoService.descriptor)
/// // ... later, while draining:
/// health.enterShutdown()
/// ```
public final class HealthProvider: Sendable {
    typealias ServingStatus = Grpc_Health_V1_HealthCheckResponse.ServingStatus

    private let registry: Mutex<HealthRegistry>

    /// Creates a provider that reports the server as a whole (the service `""`) with `overallStatus`.
    public init(overallStatus: HealthStatus = .serving) {
        self.registry = Mutex(HealthRegistry(statuses: ["": overallStatus.wireValue]))
    }

    /// Sets the status of the service with the fully qualified name `service` (`""` for the whole server).
    ///
    /// Ignored after ``enterShutdown()``.
    public func setStatus(_ status: HealthStatus, forService service: String) {
        self.update(service, to: status.wireValue)
    }

    /// Sets the status of `service`.
    public func setStatus(_ status: HealthStatus, for service: ServiceDescriptor) {
        self.setStatus(status, forService: service.fullyQualifiedService)
    }

    /// Forgets `service`: `Check` answers NOT_FOUND for it again and watchers see SERVICE_UNKNOWN.
    public func clearStatus(forService service: String) {
        self.update(service, to: nil)
    }

    /// The status last set for `service`, or nil if none is set.
    public func status(forService service: String) -> HealthStatus? {
        switch self.registry.withLock({ $0.statuses[service] }) {
        case .serving: .serving
        case .notServing: .notServing
        default: nil
        }
    }

    /// Marks every service NOT_SERVING, ends every open `Watch` after sending it that status, and ignores
    /// later updates, so that clients move away while the server drains and long-lived watches do not
    /// hold up a graceful shutdown.
    public func enterShutdown() {
        // Delivered outside the lock: finishing a stream runs its onTermination, which takes the lock.
        let notifications = self.registry.withLock { $0.shutDown() }
        for notification in notifications {
            Self.deliver(notification)
        }
    }

    // MARK: - For HealthService

    /// Every known status, keyed by service name.
    var allStatuses: [String: ServingStatus] {
        self.registry.withLock { $0.statuses }
    }

    /// The number of open watches; tests use it to see that ended watches are forgotten.
    var watcherCount: Int {
        self.registry.withLock { $0.watcherCount }
    }

    /// The status of `service` now and after every change, until the stream is finished, the consuming task
    /// is cancelled or the provider shuts down. Only the newest status is buffered: a slow watcher skips
    /// states it could not keep up with.
    func statusUpdates(
        forService service: String
    ) -> (stream: AsyncStream<ServingStatus>, continuation: AsyncStream<ServingStatus>.Continuation) {
        let (stream, continuation) = AsyncStream.makeStream(
            of: ServingStatus.self,
            bufferingPolicy: .bufferingNewest(1)
        )
        // Registering and yielding the current status under one lock keeps a concurrent update from
        // slipping between them (it would then be overwritten by a stale value in the buffer).
        let id: Int? = self.registry.withLock { registry in
            continuation.yield(registry.watchStatus(of: service))
            return registry.addWatcher(continuation, for: service)
        }
        guard let id else {
            continuation.finish()
            return (stream, continuation)
        }
        continuation.onTermination = { [weak self] _ in
            self?.registry.withLock { $0.removeWatcher(id, for: service) }
        }
        return (stream, continuation)
    }

    private func update(_ service: String, to status: ServingStatus?) {
        // Delivered under the lock so that watchers see concurrent updates in the order they were made.
        // Yielding never re-enters the lock; only finishing a stream does (through onTermination).
        self.registry.withLock { registry in
            if let notification = registry.setStatus(status, for: service) {
                Self.deliver(notification)
            }
        }
    }

    private static func deliver(_ notification: HealthRegistry.Notification) {
        for watcher in notification.watchers {
            watcher.yield(notification.status)
            if notification.finishes {
                watcher.finish()
            }
        }
    }
}
