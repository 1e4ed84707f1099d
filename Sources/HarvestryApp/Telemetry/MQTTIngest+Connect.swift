import Bus
import Logging
import ServiceLifecycle

extension MQTTIngest {
    /// Waits between failed first connects: 1 s, doubling up to 8 s (the client's reconnect backoff).
    static let connectRetryDelays = (first: Duration.seconds(1), maximum: Duration.seconds(8))

    /// Connects, and while the broker cannot be reached (not started yet, restarting) tries again with backoff,
    /// logging each failed attempt with the broker's address; the rest of the server serves meanwhile. nil when
    /// graceful shutdown comes first. Errors other than an unreachable broker (an invalid client id) are thrown.
    func connectRetrying() async throws -> MQTTClient? {
        var delay = Self.connectRetryDelays.first
        var attempt = 1
        while !Task.isShuttingDownGracefully {
            if let client = try await self.connectOnce(attempt: attempt, retryIn: delay) { return client }
            let wait = delay
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
            } catch {
                return nil
            }
            delay = min(delay * 2, Self.connectRetryDelays.maximum)
            attempt += 1
        }
        return nil
    }

    /// One attempt: the client, or nil (logged and counted) when the broker could not be reached.
    private func connectOnce(attempt: Int, retryIn delay: Duration) async throws -> MQTTClient? {
        let endpoint = self.configuration.endpoint
        let metrics = self.metrics
        let result: Result<MQTTClient, BusError>
        do {
            result = .success(
                try await MQTTClient.connect(
                    .init(
                        host: endpoint.host,
                        port: endpoint.port,
                        clientID: self.configuration.clientID,
                        cleanSession: !self.configuration.persistentSession
                    ),
                    logger: self.logger,
                    onConnectionChange: { connected in metrics.connection(up: connected, reconnect: connected) }
                )
            )
        } catch {
            result = .failure(error)
        }
        switch result {
        case .success(let client):
            metrics.connection(up: true)
            return client
        case .failure(let error) where error.code == .connection:
            metrics.connection(up: false)
            metrics.connectFailed()
            self.logger.warning(
                "cannot reach the MQTT broker; retrying",
                metadata: [
                    "broker": "\(endpoint)", "attempt": "\(attempt)", "retry_in": "\(delay)",
                    "error": "\(error.message)",
                ]
            )
            return nil
        case .failure(let error):
            throw error
        }
    }
}
