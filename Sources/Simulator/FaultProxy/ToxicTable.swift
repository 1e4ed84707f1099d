/// The toxics active on one proxy and every decision that depends on them, as a pure value: admission of new
/// connections, the connection-level actions, per-chunk plans (`ToxicTable+ChunkPlanning`), expiry. The proxy holds
/// it behind a lock and does the I/O the returned decisions ask for. Times are monotonic durations since the proxy's
/// start.
struct ToxicTable: Sendable {
    var active: [ActiveToxic] = []
    private var nextID: UInt64 = 1
    let seed: UInt64

    init(seed: UInt64) {
        self.seed = seed
    }

    /// Validates and adds `toxic`; names must be unique among the active toxics.
    mutating func add(_ toxic: Toxic, now: Duration) throws(FaultProxyError) -> ActiveToxic {
        try toxic.validate()
        guard !self.active.contains(where: { $0.toxic.name == toxic.name }) else {
            throw FaultProxyError(
                code: .alreadyExists,
                message: "name: a toxic named '\(toxic.name)' is already active",
                field: "name"
            )
        }
        let entry = ActiveToxic(id: self.nextID, toxic: toxic, added: now)
        self.nextID += 1
        self.active.append(entry)
        return entry
    }

    mutating func remove(named name: String) -> ActiveToxic? {
        guard let index = self.active.firstIndex(where: { $0.toxic.name == name }) else { return nil }
        return self.active.remove(at: index)
    }

    mutating func remove(id: UInt64) -> ActiveToxic? {
        guard let index = self.active.firstIndex(where: { $0.id == id }) else { return nil }
        return self.active.remove(at: index)
    }

    /// Removes and returns the timed toxics whose time is up.
    mutating func expire(now: Duration) -> [ActiveToxic] {
        let expired = self.active.filter { entry in entry.expires.map { $0 <= now } ?? false }
        self.active.removeAll { entry in entry.expires.map { $0 <= now } ?? false }
        return expired
    }

    /// The toxics in force at `now` (a timed one past its time is ignored until `expire` removes it).
    func inForce(at now: Duration) -> [ActiveToxic] {
        self.active.filter { entry in entry.expires.map { now < $0 } ?? true }
    }

    /// Whether `toxic` applies to `connection` at all (its toxicity, drawn once per (seed, toxic name, connection
    /// ordinal)).
    func applies(_ toxic: ActiveToxic, to connection: UInt64) -> Bool {
        if toxic.toxic.toxicity >= 1 { return true }
        if toxic.toxic.toxicity <= 0 { return false }
        return ProxyRandom.unit(self.seed, ProxyRandom.hash(toxic.toxic.name), connection) < toxic.toxic.toxicity
    }

    /// Decides about a just-accepted connection: refused while `down` applies, dropped while a
    /// `dropFirstConnections` toxic still has a count left (which this consumes).
    mutating func admit(connection: UInt64, now: Duration) -> ProxyAdmission {
        let inForce = self.inForce(at: now)
        if let down = inForce.first(where: { $0.toxic.kind == .down && self.applies($0, to: connection) }) {
            return .refuse(toxicID: down.id)
        }
        for index in self.active.indices {
            guard case .dropFirstConnections = self.active[index].toxic.kind, self.active[index].remaining > 0,
                inForce.contains(where: { $0.id == self.active[index].id }),
                self.applies(self.active[index], to: connection)
            else { continue }
            self.active[index].remaining -= 1
            return .drop(toxicID: self.active[index].id)
        }
        return .accept
    }

    /// What `toxic` does to the whole of `connection` from now on (nothing for most toxics).
    func connectionAction(of toxic: ActiveToxic, for connection: UInt64) -> ToxicConnectionAction? {
        guard self.applies(toxic, to: connection) else { return nil }
        switch toxic.toxic.kind {
        case .down: return .close(after: .zero)
        case .timeout(let after?): return .close(after: after)
        case .resetPeer(let after): return .reset(towards: toxic.toxic.direction, after: after)
        default: return nil
        }
    }

    /// The actions of every active toxic for a connection that just opened, with the toxic each comes from.
    func connectionActions(for connection: UInt64, now: Duration) -> [(ActiveToxic, ToxicConnectionAction)] {
        self.inForce(at: now).compactMap { toxic in
            self.connectionAction(of: toxic, for: connection).map { (toxic, $0) }
        }
    }
}
