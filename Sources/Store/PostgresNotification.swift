import CLibPQ
import Foundation
import Logging

/// A NOTIFY delivered to a LISTEN-ing connection.
public struct PostgresNotification: Sendable, Hashable {
    public var channel: String
    public var payload: String
    /// The backend process that sent it.
    public var processID: Int32
}

extension PostgresClient {
    /// LISTENs on `channel` on a dedicated connection (outside the pool) and delivers its notifications in order.
    ///
    /// When that connection breaks (e.g. the server restarts) it reconnects every `retryInterval` and LISTENs again;
    /// `onReconnect` is called after each reconnect, since notifications sent while it was down are lost (a consumer
    /// that caches state should re-read it then). Ending iteration (or cancelling the iterating task) closes the
    /// connection.
    public func notifications(
        channel: String,
        retryInterval: Duration = .milliseconds(150),
        onReconnect: (@Sendable () -> Void)? = nil
    ) async throws -> AsyncThrowingStream<PostgresNotification, any Error> {
        let connection = try await PostgresConnection.connect(
            self.configuration.conninfo,
            role: self.configuration.role,
            logger: self.logger
        )
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: PostgresNotification.self)
        let listener = Listener(channel: channel, retryInterval: retryInterval, onReconnect: onReconnect)
        do {
            try await connection.startListening(listener, continuation: continuation)
        } catch {
            connection.close()
            throw error
        }
        continuation.onTermination = { _ in connection.close() }
        return stream
    }
}

/// The listener's settings and, on the worker thread only, its reconnect state.
final class Listener: @unchecked Sendable {
    let channel: String
    let retryInterval: Duration
    let onReconnect: (@Sendable () -> Void)?
    /// When the connection is down: the earliest time of the next reconnect attempt. Worker thread only.
    var retryAt: ContinuousClock.Instant?

    init(channel: String, retryInterval: Duration, onReconnect: (@Sendable () -> Void)?) {
        self.channel = channel
        self.retryInterval = retryInterval
        self.onReconnect = onReconnect
    }
}

extension PostgresConnection {
    /// Issues LISTEN, then turns the worker thread into a poller: between queued calls it waits up to 50 ms for the
    /// socket and hands every notification to `continuation`, or, while the connection is down, retries it.
    func startListening(
        _ listener: Listener,
        continuation: AsyncThrowingStream<PostgresNotification, any Error>.Continuation
    ) async throws {
        try await self.worker.run {
            _ = try self.execute("LISTEN \(Self.quoteIdentifier(listener.channel))", [])
            self.worker.poll = { [self] in self.pollNotifications(listener, continuation) }
        }
    }

    /// On the worker thread.
    private func pollNotifications(
        _ listener: Listener,
        _ continuation: AsyncThrowingStream<PostgresNotification, any Error>.Continuation
    ) {
        guard let conn = self.pgconn else {
            self.worker.poll = nil
            return
        }
        if let retryAt = listener.retryAt {
            self.retryListening(conn, listener, due: retryAt)
            return
        }
        let ready = hv_pq_wait_readable(conn, 50)
        if ready < 0 || (ready > 0 && PQconsumeInput(conn) == 0) || PQstatus(conn) != CONNECTION_OK {
            self.logger.info(
                "the LISTEN connection broke; reconnecting",
                metadata: [
                    "channel": "\(listener.channel)", "error": "\(Self.trim(String(cString: PQerrorMessage(conn))))",
                ]
            )
            listener.retryAt = .now
            return
        }
        while let notify = PQnotifies(conn) {
            let value = PostgresNotification(
                channel: String(cString: notify.pointee.relname),
                payload: String(cString: notify.pointee.extra),
                processID: notify.pointee.be_pid
            )
            PQfreemem(notify)
            continuation.yield(value)
        }
    }

    /// On the worker thread: sleeps (in short steps, so queued calls such as close still run) until `due`, then
    /// reconnects and LISTENs again.
    private func retryListening(_ conn: OpaquePointer, _ listener: Listener, due: ContinuousClock.Instant) {
        let wait = due - .now
        if wait > .zero {
            let micros = min(wait, .milliseconds(50)).components
            usleep(UInt32(micros.seconds * 1_000_000 + micros.attoseconds / 1_000_000_000_000))
            return
        }
        PQreset(conn)
        if PQstatus(conn) == CONNECTION_OK, (try? self.reconfigureAfterReset(conn)) != nil,
            (try? self.execute("LISTEN \(Self.quoteIdentifier(listener.channel))", [])) != nil
        {
            listener.retryAt = nil
            self.clearBroken()
            self.logger.info("the LISTEN connection is back", metadata: ["channel": "\(listener.channel)"])
            listener.onReconnect?()
        } else {
            listener.retryAt = .now + listener.retryInterval
        }
    }
}
