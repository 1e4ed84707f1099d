import CLibPQ
import Foundation

/// A NOTIFY delivered to a LISTEN-ing connection.
public struct PostgresNotification: Sendable, Hashable {
    public var channel: String
    public var payload: String
    /// The backend process that sent it.
    public var processID: Int32
}

extension PostgresClient {
    /// LISTENs on `channel` on a dedicated connection (outside the pool) and delivers its notifications in order.
    /// The sequence ends, with an error, if that connection breaks; ending iteration (or cancelling the iterating
    /// task) closes the connection.
    public func notifications(channel: String) async throws -> AsyncThrowingStream<PostgresNotification, any Error> {
        let connection = try await PostgresConnection.connect(
            self.configuration.conninfo,
            role: self.configuration.role,
            logger: self.logger
        )
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: PostgresNotification.self)
        do {
            try await connection.startListening(channel: channel, continuation: continuation)
        } catch {
            connection.close()
            throw error
        }
        continuation.onTermination = { _ in connection.close() }
        return stream
    }
}

extension PostgresConnection {
    /// Issues LISTEN, then turns the worker thread into a poller: between queued calls it waits up to 50 ms for the
    /// socket and hands every notification to `continuation`.
    func startListening(
        channel: String,
        continuation: AsyncThrowingStream<PostgresNotification, any Error>.Continuation
    ) async throws {
        try await self.worker.run {
            _ = try self.execute("LISTEN \(Self.quoteIdentifier(channel))", [])
            self.worker.poll = { [self] in self.pollNotifications(continuation) }
        }
    }

    /// On the worker thread.
    private func pollNotifications(_ continuation: AsyncThrowingStream<PostgresNotification, any Error>.Continuation) {
        guard let conn = self.pgconn else {
            self.worker.poll = nil
            return
        }
        let ready = hv_pq_wait_readable(conn, 50)
        if ready < 0 || (ready > 0 && PQconsumeInput(conn) == 0) || PQstatus(conn) != CONNECTION_OK {
            self.worker.poll = nil
            continuation.finish(
                throwing: PostgresError(
                    code: .connection,
                    message: "the LISTEN connection broke: \(Self.trim(String(cString: PQerrorMessage(conn))))"
                )
            )
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
}
