/// The injector's bookkeeping, pure: active faults by id, the most recent ended ones, and the request ids already
/// answered (AIP-155). No I/O: `FaultInjector` applies and undoes, this only remembers.
struct FaultBook: Sendable {
    static let recentCapacity = 256
    static let requestIDCapacity = 1024

    private(set) var active: [Int: InjectedFault] = [:]
    /// Ended faults, oldest first, at most `recentCapacity`.
    private(set) var ended: [InjectedFault] = []
    private var lastID = 0
    private var requestIDs: [String: Int] = [:]
    private var requestIDOrder: [String] = []

    mutating func nextID() -> Int {
        self.lastID += 1
        return self.lastID
    }

    func record(_ id: Int) -> InjectedFault? {
        self.active[id] ?? self.ended.last(where: { $0.id == id })
    }

    func fault(forRequestID requestID: String) -> InjectedFault? {
        self.requestIDs[requestID].flatMap(self.record)
    }

    /// Keeps `record`: active, or (momentary) straight among the ended.
    mutating func add(_ record: InjectedFault, requestID: String?) {
        if record.state == .active {
            self.active[record.id] = record
        } else {
            self.appendEnded(record)
        }
        guard let requestID else { return }
        self.requestIDs[requestID] = record.id
        self.requestIDOrder.append(requestID)
        if self.requestIDOrder.count > Self.requestIDCapacity {
            self.requestIDs[self.requestIDOrder.removeFirst()] = nil
        }
    }

    /// Ends an active fault; nil when it is not active.
    mutating func end(_ id: Int, as state: InjectedFault.State, at now: SimInstant, by actor: String) -> InjectedFault? {
        guard var record = self.active.removeValue(forKey: id) else { return nil }
        record.state = state
        record.endedAt = now
        record.endedBy = actor
        self.appendEnded(record)
        return record
    }

    /// Active timed faults whose expiry is at or before `now`, earliest first.
    func expired(at now: SimInstant) -> [Int] {
        self.active.values
            .compactMap { record in record.expiresAt.flatMap { $0 <= now ? (record.id, $0) : nil } }
            .sorted { ($0.1, $0.0) < ($1.1, $1.0) }
            .map(\.0)
    }

    /// The earliest expiry of an active timed fault.
    var nextExpiry: SimInstant? {
        self.active.values.compactMap(\.expiresAt).min()
    }

    /// Active faults on `device` other than `id`.
    func active(on device: DeviceID, except id: Int) -> [InjectedFault] {
        self.active.values.filter { $0.id != id && $0.devices.contains(device) }.sorted { $0.id < $1.id }
    }

    /// Newest first: faults with an id below `before` (all when nil), at most `size`; the next page's `before`.
    func page(activeOnly: Bool, size: Int, before: Int?) -> (records: [InjectedFault], next: Int?) {
        var all = Array(self.active.values)
        if !activeOnly { all += self.ended }
        let sorted = all.filter { before == nil || $0.id < before! }.sorted { $0.id > $1.id }
        let records = Array(sorted.prefix(size))
        return (records, sorted.count > size ? records.last?.id : nil)
    }

    private mutating func appendEnded(_ record: InjectedFault) {
        self.ended.append(record)
        if self.ended.count > Self.recentCapacity { self.ended.removeFirst(self.ended.count - Self.recentCapacity) }
    }
}
