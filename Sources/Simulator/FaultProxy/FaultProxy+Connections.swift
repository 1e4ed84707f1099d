import NIOCore
import Synchronization

/// The proxy's side of its connections: admission, registration, chunk plans and their log records.
extension FaultProxy {
    /// Numbers a just-accepted connection and decides whether it may live (logging a refusal or drop).
    func admit() -> (id: UInt64, admission: ProxyAdmission) {
        let now = self.now
        return self.state.withLock { state in
            let id = state.nextConnectionID
            state.nextConnectionID += 1
            if state.stopped { return (id, .refuse(toxicID: 0)) }
            self.expireDue(&state, now: now)
            let admission = state.table.admit(connection: id, now: now)
            switch admission {
            case .accept:
                break
            case .refuse(let toxicID):
                if let entry = state.table.active.first(where: { $0.id == toxicID }) {
                    self.keep(&state, self.record(entry, .refused, connection: id))
                }
            case .drop(let toxicID):
                if let entry = state.table.active.first(where: { $0.id == toxicID }) {
                    self.keep(&state, self.record(entry, .droppedConnection, connection: id))
                }
            }
            return (id, admission)
        }
    }

    /// Adds a connection whose upstream side stands, and applies the connection-level toxics in force. Returns
    /// false when the proxy stopped meanwhile (the caller closes it).
    func register(_ connection: ProxyConnection) -> Bool {
        let now = self.now
        let actions: [(ActiveToxic, ToxicConnectionAction)]? = self.state.withLock { state in
            guard !state.stopped else { return nil }
            state.connections[connection.id] = connection
            return state.table.connectionActions(for: connection.id, now: now)
        }
        guard let actions else { return false }
        for (entry, action) in actions { connection.apply(entry, action) }
        return true
    }

    /// Every registered connection's flows: bytes held and whether reading is paused.
    func flowStatus() async throws -> [UInt64: [FlowDirection: FlowStatus]] {
        let connections = self.state.withLock { Array($0.connections.values) }
        var status: [UInt64: [FlowDirection: FlowStatus]] = [:]
        for connection in connections { status[connection.id] = try await connection.flowStatus().get() }
        return status
    }

    func unregister(_ id: UInt64) {
        _ = self.state.withLock { $0.connections.removeValue(forKey: id) }
    }

    /// Plans a chunk read on `flow` of `connection` and logs what the toxics did to it.
    func plan(size: Int, flow: FlowDirection, connection: UInt64, flowState: inout ProxyFlowState) -> ChunkPlan {
        let now = self.now
        return self.state.withLock { state in
            self.expireDue(&state, now: now)
            let plan = state.table.plan(size: size, flow: flow, connection: connection, now: now, state: &flowState)
            for application in plan.applications {
                self.keep(
                    &state,
                    self.record(
                        application.toxic,
                        application.effect,
                        connection: connection,
                        bytes: application.bytes,
                        delay: application.delay,
                        pieces: application.pieceCount
                    )
                )
            }
            return plan
        }
    }

    /// Logs a connection-level effect (a reset, a close) as it happens.
    func recordEffect(_ entry: ActiveToxic, _ effect: FaultEffect, connection: UInt64) {
        self.state.withLock { self.keep(&$0, self.record(entry, effect, connection: connection)) }
    }
}
