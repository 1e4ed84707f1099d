import Foundation
import Logging
import NIOCore
import Synchronization

extension FaultProxy {
    /// Validates and adds `toxic`; it applies at once, to open connections too. A timed toxic removes itself.
    @discardableResult
    public func add(_ toxic: Toxic) throws(FaultProxyError) -> ActiveToxic {
        let now = self.now
        let (entry, actions) = try self.state.withLock { state throws(FaultProxyError) in
            let entry = try state.table.add(toxic, now: now)
            self.keep(&state, self.record(entry, .added))
            let actions = state.connections.values.compactMap { connection in
                state.table.connectionAction(of: entry, for: connection.id).map { (connection, $0) }
            }
            return (entry, actions)
        }
        self.logger.info("fault added", metadata: self.metadata(entry))
        for (connection, action) in actions { connection.apply(entry, action) }
        if let expires = entry.expires {
            self.group.next().scheduleTask(deadline: self.deadline(expires)) { [weak self] in
                self?.expire(toxicID: entry.id)
            }
        }
        return entry
    }

    /// Adds a toxic described as outside input (see `ToxicDescription`).
    @discardableResult
    public func add(_ description: ToxicDescription) throws(FaultProxyError) -> ActiveToxic {
        try self.add(try description.toxic())
    }

    /// Removes the toxic named `name`; returns whether there was one. Its pending effects (a reset or close not yet
    /// done) are cancelled.
    @discardableResult
    public func remove(toxicNamed name: String) -> Bool {
        self.finish { table in
            table.remove(named: name).map { [$0] } ?? []
        } effect: { _ in
            .removed
        }
    }

    /// Removes every toxic.
    public func removeAllToxics() {
        self.finish { table in
            let all = table.active
            for entry in all { _ = table.remove(id: entry.id) }
            return all
        } effect: { _ in
            .removed
        }
    }

    func expire(toxicID: UInt64) {
        let now = self.now
        self.finish { table in
            let expired = table.expire(now: now)
            guard !expired.contains(where: { $0.id == toxicID }), let late = table.remove(id: toxicID) else {
                return expired
            }
            // The timer fired a hair before the table's clock agreed: it is due all the same.
            return expired + [late]
        } effect: { _ in
            .expired
        }
    }

    /// Removes toxics from the table (by `take`), logs each with `effect`, cancels their pending connection effects.
    @discardableResult
    private func finish(
        _ take: (inout ToxicTable) -> [ActiveToxic],
        effect: (ActiveToxic) -> FaultEffect
    ) -> Bool {
        let (removed, connections) = self.state.withLock { state in
            let removed = take(&state.table)
            for entry in removed { self.keep(&state, self.record(entry, effect(entry))) }
            return (removed, Array(state.connections.values))
        }
        for entry in removed {
            self.logger.info("fault \(effect(entry).rawValue)", metadata: self.metadata(entry))
            for connection in connections { connection.cancelEffects(ofToxic: entry.id) }
        }
        return !removed.isEmpty
    }

    /// Expires due toxics (logging them) before a decision; call with the lock held.
    func expireDue(_ state: inout ProxyState, now: Duration) {
        for entry in state.table.expire(now: now) { self.keep(&state, self.record(entry, .expired)) }
    }

    /// Logs `record` and hands it, stamped, to `onRecord` (with the lock held, so in sequence order).
    func keep(_ state: inout ProxyState, _ record: FaultRecord) {
        let stamped = state.log.append(record)
        self.onRecord?(stamped)
    }

    func record(
        _ entry: ActiveToxic,
        _ effect: FaultEffect,
        connection: UInt64? = nil,
        bytes: Int? = nil,
        delay: Duration? = nil,
        pieces: Int? = nil
    ) -> FaultRecord {
        FaultRecord(
            sequence: 0,
            time: Date(),
            proxy: self.configuration.name,
            group: self.configuration.group,
            toxic: entry.toxic.name,
            type: entry.toxic.kind.typeName,
            direction: entry.toxic.direction,
            effect: effect,
            connection: connection,
            bytes: bytes,
            delayMilliseconds: delay.map { Double(ProxyTime.nanoseconds($0)) / 1_000_000 },
            pieces: pieces
        )
    }

    private func metadata(_ entry: ActiveToxic) -> [String: Logger.MetadataValue] {
        [
            "proxy": "\(self.configuration.name)", "group": "\(self.configuration.group ?? "")",
            "toxic": "\(entry.toxic.name)", "type": "\(entry.toxic.kind.typeName)",
            "direction": "\(entry.toxic.direction.rawValue)",
        ]
    }
}
