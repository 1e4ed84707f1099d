import Logging
import Synchronization

/// A pool of libpq connections. Connections open lazily up to `maximumConnections`; a caller beyond that waits for
/// one to come back. A leased idle connection is health-checked first and reconnected when the server dropped it
/// (e.g. after a restart); a connection that broke during a call is closed rather than returned.
public final class PostgresClient: Sendable {
    public struct Configuration: Sendable {
        /// A libpq connection string or URL.
        public var conninfo: String
        public var maximumConnections: Int
        /// A role every connection switches to with `SET ROLE` (e.g. `harvestry_service` when the URL logs in as
        /// the owner); nil keeps the login role.
        public var role: String?

        public init(conninfo: String, maximumConnections: Int = 4, role: String? = nil) {
            self.conninfo = conninfo
            self.maximumConnections = max(1, maximumConnections)
            self.role = role
        }
    }

    /// What a waiting lease receives: a connection to use, or permission to open a new one.
    private enum Grant: Sendable {
        case connection(PostgresConnection)
        case open
    }

    private struct State {
        var idle: [PostgresConnection] = []
        var open = 0
        var waiters: [(id: Int, continuation: CheckedContinuation<Grant, any Error>)] = []
        var nextWaiterID = 0
        var closed = false
    }

    public let configuration: Configuration
    let logger: Logger
    private let state = Mutex(State())

    public init(configuration: Configuration, logger: Logger = Logger(label: "harvestry.store")) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Leases a connection for the duration of `body`.
    public func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await self.lease()
        let value: T
        do {
            value = try await body(connection)
        } catch {
            self.release(connection)
            throw error
        }
        self.release(connection)
        return value
    }

    /// Runs one parameterized statement on a pooled connection.
    @discardableResult
    public func query(_ sql: String, _ binds: [SQLValue] = []) async throws -> PostgresRows {
        try await self.withConnection { try await $0.query(sql, binds) }
    }

    /// Runs `body` in a transaction on one pooled connection: COMMIT on return, ROLLBACK on throw.
    public func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await self.withConnection { try await $0.transaction(body) }
    }

    deinit {
        // Idle connections each own a thread; do not leak them when the owner forgot close().
        self.close()
    }

    /// Closes idle connections and refuses new leases; leased connections close when they come back.
    public func close() {
        let (idle, waiters) = self.state.withLock { state in
            state.closed = true
            defer {
                state.open -= state.idle.count
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters)
        }
        for connection in idle { connection.close() }
        for waiter in waiters {
            waiter.continuation.resume(throwing: PostgresError(code: .poolClosed, message: "the pool is closed"))
        }
    }

    private func lease() async throws -> PostgresConnection {
        while true {
            enum Next { case check(PostgresConnection), open, wait }
            let next: Next = try self.state.withLock { state in
                guard !state.closed else { throw PostgresError(code: .poolClosed, message: "the pool is closed") }
                if let connection = state.idle.popLast() { return .check(connection) }
                if state.open < self.configuration.maximumConnections {
                    state.open += 1
                    return .open
                }
                return .wait
            }
            switch next {
            case .check(let connection):
                if await connection.checkHealth() { return connection }
                self.logger.debug("dropping a pooled postgres connection that failed its health check")
                self.discard(connection)
            case .open:
                return try await self.openSlot()
            case .wait:
                let grant = try await self.waitForGrant()
                switch grant {
                case .connection(let connection): return connection
                case .open: return try await self.openSlot()
                }
            }
        }
    }

    /// Waits for a connection or a free slot; cancelling the waiting task removes it from the queue.
    private func waitForGrant() async throws -> Grant {
        let id = self.state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // Checked under the lock: either onCancel below finds this waiter, or this sees the cancellation.
                let refusal: (any Error)? = self.state.withLock { state in
                    if state.closed { return PostgresError(code: .poolClosed, message: "the pool is closed") }
                    if Task.isCancelled { return CancellationError() }
                    state.waiters.append((id, continuation))
                    return nil
                }
                if let refusal { continuation.resume(throwing: refusal) }
            }
        } onCancel: {
            let waiter = self.state.withLock { state in
                state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0).continuation }
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Opens a connection for a slot already counted in `open`; on failure gives the slot back.
    private func openSlot() async throws -> PostgresConnection {
        do {
            return try await PostgresConnection.connect(
                self.configuration.conninfo,
                role: self.configuration.role,
                logger: self.logger
            )
        } catch {
            self.slotFreed()
            throw error
        }
    }

    private func release(_ connection: PostgresConnection) {
        if connection.isBroken {
            self.discard(connection)
            return
        }
        let waiter: CheckedContinuation<Grant, any Error>? = self.state.withLock { state in
            if state.closed {
                state.open -= 1
                return nil
            }
            if !state.waiters.isEmpty { return state.waiters.removeFirst().continuation }
            state.idle.append(connection)
            return nil
        }
        if let waiter {
            waiter.resume(returning: .connection(connection))
        } else if self.state.withLock({ $0.closed }) {
            connection.close()
        }
    }

    private func discard(_ connection: PostgresConnection) {
        connection.close()
        self.slotFreed()
    }

    /// A slot freed up: hand it to the first waiter, who opens a fresh connection.
    private func slotFreed() {
        let waiter: CheckedContinuation<Grant, any Error>? = self.state.withLock { state in
            if !state.closed, !state.waiters.isEmpty { return state.waiters.removeFirst().continuation }
            state.open -= 1
            return nil
        }
        waiter?.resume(returning: .open)
    }
}
