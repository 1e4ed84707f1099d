/// Applies faults to the simulator's parts and ends them: validates each request (errors name the field), keeps the
/// active ones with their expiry on the simulation's clock (timed) or until cleared (held), undoes a fault when it
/// ends (E-STOP closed again, sensor restored, toxic removed, broker started), and hands every apply and end to
/// `log` as a `FaultLogRecord` for the ground truth.
///
/// The runtime calls `expireDue(at:)` as its clock passes `nextExpiry`; every other call expires what is due first,
/// so a timed fault also ends when nothing ticks.
public actor FaultInjector {
    /// The parts a fault can reach; nil ones refuse their faults (`targetUnavailable`).
    public struct Targets: Sendable {
        public var devices: (any DeviceFaultTarget)?
        public var network: (any NetworkFaultTarget)?
        public var broker: (any BrokerFaultTarget)?
        public var modbus: (any ModbusFaultTarget)?
        public var summary: (any SimulatorSummarySource)?

        public init(
            devices: (any DeviceFaultTarget)? = nil,
            network: (any NetworkFaultTarget)? = nil,
            broker: (any BrokerFaultTarget)? = nil,
            modbus: (any ModbusFaultTarget)? = nil,
            summary: (any SimulatorSummarySource)? = nil
        ) {
            self.devices = devices
            self.network = network
            self.broker = broker
            self.modbus = modbus
            self.summary = summary
        }
    }

    let targets: Targets
    let clock: @Sendable () -> SimInstant
    let log: @Sendable (FaultLogRecord) -> Void
    var book = FaultBook()

    /// `clock` reads the simulation's current instant; `log` receives every apply and end, in order.
    public init(
        targets: Targets,
        clock: @escaping @Sendable () -> SimInstant,
        log: @escaping @Sendable (FaultLogRecord) -> Void
    ) {
        self.targets = targets
        self.clock = clock
        self.log = log
    }

    /// The earliest instant an active timed fault ends.
    public var nextExpiry: SimInstant? { self.book.nextExpiry }

    public var activeCount: Int { self.book.active.count }

    /// Applies `request`; a repeated `requestID` returns the fault the first one created.
    public func inject(
        _ request: FaultRequest,
        by actor: String,
        requestID: String? = nil
    ) async throws(FaultError) -> InjectedFault {
        await self.expireDue(at: self.clock())
        if let requestID, let first = self.book.fault(forRequestID: requestID) { return first }
        let violations = request.violations()
        guard violations.isEmpty else { throw .invalid(violations) }
        let devices = try await self.resolveDevices(request)
        let id = self.book.nextID()
        let now = self.clock()
        let record = InjectedFault(
            id: id,
            request: request,
            state: request.effect.isMomentary ? .done : .active,
            appliedAt: now,
            expiresAt: request.duration.map { now + $0 },
            endedAt: request.effect.isMomentary ? now : nil,
            appliedBy: actor,
            endedBy: request.effect.isMomentary ? actor : nil,
            devices: devices
        )
        try await self.apply(record, at: now)
        // Kept even if a concurrent call with the same request id got in first: it is applied, so it must be ended.
        self.book.add(record, requestID: requestID)
        self.log(FaultLogRecord(.applied, record, at: now, by: actor))
        return record
    }

    /// Ends an active fault now and undoes it.
    public func clear(id: Int, by actor: String) async throws(FaultError) -> InjectedFault {
        await self.expireDue(at: self.clock())
        guard let record = self.book.record(id) else { throw FaultError(.notFound, "no fault \(id)") }
        guard record.state == .active else {
            throw FaultError(.notActive, "\(record.name) has already ended (\(record.state.rawValue))")
        }
        return await self.end(id, as: .cleared, at: self.clock(), by: actor) ?? record
    }

    /// Ends every timed fault due at `now`, earliest first; returns them.
    @discardableResult
    public func expireDue(at now: SimInstant) async -> [InjectedFault] {
        var ended: [InjectedFault] = []
        for id in self.book.expired(at: now) {
            if let record = await self.end(id, as: .expired, at: now, by: "expiry") { ended.append(record) }
        }
        return ended
    }

    /// Newest first, active and recently ended (or active only); `before` is the previous page's `next`.
    public func faults(activeOnly: Bool, pageSize: Int, before: Int?) async -> (records: [InjectedFault], next: Int?) {
        await self.expireDue(at: self.clock())
        return self.book.page(activeOnly: activeOnly, size: pageSize, before: before)
    }

    public func fault(id: Int) async -> InjectedFault? {
        await self.expireDue(at: self.clock())
        return self.book.record(id)
    }

    /// The runtime's numbers (nil without a summary source) and the number of active faults.
    public func summary() async -> (simulator: SimulatorSummary?, activeFaults: Int) {
        await self.expireDue(at: self.clock())
        return (await self.targets.summary?.summary(), self.book.active.count)
    }

    /// Marks the fault ended first (so a concurrent call cannot end it twice), then undoes it and logs.
    private func end(
        _ id: Int,
        as state: InjectedFault.State,
        at now: SimInstant,
        by actor: String
    ) async
        -> InjectedFault?
    {
        guard let record = self.book.end(id, as: state, at: now, by: actor) else { return nil }
        let failure = await self.undo(record, at: now)
        var line = FaultLogRecord(state == .expired ? .expired : .cleared, record, at: now, by: actor)
        if let failure { line.detail += "; \(failure)" }
        self.log(line)
        return record
    }
}
