import Bus
import Logging
import ServiceLifecycle
import Store

extension CommandDispatcher {
    /// Connects on a clean session, retrying while the broker cannot be reached (1 s doubling to 8 s, as the
    /// client's own reconnect); nil when graceful shutdown comes first. Other errors (an invalid client id) throw.
    func connectRetrying(_ link: DispatchLink) async throws -> MQTTClient? {
        let endpoint = self.configuration.endpoint
        var delay = Duration.seconds(1)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let result: Result<MQTTClient, BusError>
            do {
                result = .success(
                    try await MQTTClient.connect(
                        .init(host: endpoint.host, port: endpoint.port, clientID: self.configuration.clientID),
                        logger: self.logger,
                        onConnectionChange: { up in link.connection(up: up) }
                    )
                )
            } catch {
                result = .failure(error)
            }
            switch result {
            case .success(let client):
                return client
            case .failure(let error) where error.code == .connection:
                self.logger.warning(
                    "the command dispatcher cannot reach the MQTT broker; retrying",
                    metadata: ["broker": "\(endpoint)", "retry_in": "\(delay)", "error": "\(error.message)"]
                )
            case .failure(let error):
                throw error
            }
            let wait = delay
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
            } catch {
                return nil
            }
            delay = min(delay * 2, .seconds(8))
        }
        return nil
    }

    /// Wakes the claim loop on every NOTIFY of a new command (and after the LISTEN connection comes back, since
    /// notifications sent while it was down are lost). Without a database, or while LISTEN fails, the deadlines and
    /// the fallback poll still wake the loop.
    func listen(_ link: DispatchLink) async {
        guard let database = self.database else { return }
        while !Task.isCancelled {
            do {
                let notifications = try await database.notifications(
                    channel: PostgresIrrigationRepository.commandNotificationChannel,
                    onReconnect: { link.wakeup.signal() }
                )
                link.wakeup.signal()
                for try await _ in notifications { link.wakeup.signal() }
            } catch {
                self.logger.warning("LISTEN for new commands failed; polling", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: self.configuration.fallbackPoll)
        }
    }
}
