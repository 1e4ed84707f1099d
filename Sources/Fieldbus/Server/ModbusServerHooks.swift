/// How a model takes part in serving: it may refuse a write (a value out of range) and sees every write that was
/// applied. Both are called on the server's thread, one request at a time; keep them short and non-blocking.
public protocol ModbusServerHooks: Sendable {
    /// Returns an exception to refuse the write, nil to apply it.
    func validateWrite(_ request: ModbusRequest) -> ModbusExceptionCode?
    /// The write was applied to the datastore and acknowledged.
    func didWrite(_ request: ModbusRequest)
    /// A fault or the pacing rules applied to a request (already logged); e.g. for a ground-truth record.
    func didIntervene(_ intervention: ModbusServer.Intervention)
}

extension ModbusServerHooks {
    public func validateWrite(_ request: ModbusRequest) -> ModbusExceptionCode? { nil }
    public func didWrite(_ request: ModbusRequest) {}
    public func didIntervene(_ intervention: ModbusServer.Intervention) {}
}

/// Accepts every write and observes none.
public struct NoServerHooks: ModbusServerHooks {
    public init() {}
}
