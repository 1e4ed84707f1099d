import Logging
import Synchronization

/// A Modbus TCP server over libmodbus: serves a `RegisterDatastore` (FC03, FC04, FC06, FC16) to several clients at
/// once, through a pacing policy and a fault table that can change at run time. libmodbus is blocking C, so the
/// server runs on its own thread; `stop()` ends it and closes every socket.
public final class ModbusServer: Sendable {
    /// A request that was not simply served, and why: what a fault or the pacing rules applied to.
    public struct Intervention: Hashable, Sendable, CustomStringConvertible {
        public var request: ModbusRequest
        public var disposition: ModbusDisposition
        /// `fault <name>` or `pacing <reason>`.
        public var cause: String

        public var description: String { "\(self.cause) -> \(self.disposition) on \(self.request)" }
    }

    struct Policy: Sendable {
        var pacing: RequestPacing?
        var faults = ModbusFaultTable()
        var interventions: [Intervention] = []
    }

    /// The interventions kept for `interventions()`; older ones are dropped (they are in the log too).
    static let interventionsKept = 1024

    public let datastore: RegisterDatastore
    public let port: Int
    let policy = Mutex(Policy())
    let hooks: any ModbusServerHooks
    let logger: Logger
    private let loop: ServerLoop

    /// Binds and starts serving.
    public init(
        configuration: ModbusServerConfiguration = .loopback,
        datastore: RegisterDatastore,
        hooks: any ModbusServerHooks = NoServerHooks(),
        logger: Logger
    ) throws(ModbusError) {
        self.datastore = datastore
        self.hooks = hooks
        self.logger = logger
        let loop = try ServerLoop(configuration: configuration)
        self.loop = loop
        self.port = loop.port
        loop.start(server: self)
        logger.debug("modbus server listening", metadata: ["port": "\(self.port)"])
    }

    /// Stops serving, closes every connection and the listening socket, and waits for the thread to exit.
    public func stop() async {
        await self.loop.stop()
    }

    /// Whether the pacing rules have the server locked up at `now` (it then ignores every request, malformed too).
    func isLockedUp(at now: ContinuousClock.Instant) -> Bool {
        self.policy.withLock { policy in policy.pacing?.lockedUntil.map { now < $0 } ?? false }
    }

    /// Turns the pacing rules on (or off with nil); a new policy starts unlocked.
    public func setPacing(_ rules: RequestPacing.Rules?) {
        self.policy.withLock { $0.pacing = rules.map(RequestPacing.init(rules:)) }
        self.logger.info(
            "modbus pacing \(rules == nil ? "off" : "on")",
            metadata: ["rules": "\(String(describing: rules))"]
        )
    }

    public func setFault(_ fault: ModbusFault) {
        self.policy.withLock { $0.faults.set(fault) }
        self.logger.info(
            "modbus fault set",
            metadata: [
                "fault": "\(fault.name)", "effect": "\(fault.effect)",
                "addresses": "\(fault.addresses)", "remaining": "\(fault.remaining.map(String.init) ?? "held")",
            ]
        )
    }

    /// Clears the fault named `name`; false when none was set.
    @discardableResult
    public func clearFault(_ name: String) -> Bool {
        let cleared = self.policy.withLock { $0.faults.clear(name) }
        self.logger.info("modbus fault cleared", metadata: ["fault": "\(name)", "was_set": "\(cleared)"])
        return cleared
    }

    public func clearAllFaults() {
        self.policy.withLock { $0.faults.clearAll() }
        self.logger.info("modbus faults cleared")
    }

    public func activeFaults() -> [ModbusFault] {
        self.policy.withLock { $0.faults.faults }
    }

    /// The most recent interventions, oldest first.
    public func interventions() -> [Intervention] {
        self.policy.withLock { $0.interventions }
    }

    /// Pacing first (a locked-up device ignores everything), then faults; records and logs what applied.
    func disposition(for request: ModbusRequest, at now: ContinuousClock.Instant) -> ModbusDisposition {
        let intervention: Intervention? = self.policy.withLock { policy in
            var found: Intervention?
            if let verdict = policy.pacing?.admit(request, at: now), verdict.reason != .paced {
                found = Intervention(
                    request: request,
                    disposition: verdict.disposition,
                    cause: "pacing \(verdict.reason)"
                )
            }
            if found?.disposition ?? .serve == .serve, let fault = policy.faults.apply(to: request, at: now) {
                found = Intervention(
                    request: request,
                    disposition: fault.effect.disposition,
                    cause: "fault \(fault.name)"
                )
            }
            if let found {
                policy.interventions.append(found)
                if policy.interventions.count > Self.interventionsKept { policy.interventions.removeFirst() }
            }
            return found
        }
        guard let intervention else { return .serve }
        self.hooks.didIntervene(intervention)
        self.logger.info(
            "modbus request intervened",
            metadata: [
                "cause": "\(intervention.cause)", "disposition": "\(intervention.disposition)",
                "function": "\(request.function)", "address": "\(request.address)", "count": "\(request.count)",
                "connection": "\(request.connection)",
            ]
        )
        return intervention.disposition
    }
}
