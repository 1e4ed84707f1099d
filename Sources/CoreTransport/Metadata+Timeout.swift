import GRPCCore

extension Metadata {
    /// Sets `grpc-timeout` to `timeout` in its wire form (at most eight digits and a unit, rounded up), as GRPCCore's
    /// server executor reads it: for transports that hand metadata to a server without a wire.
    public mutating func setTimeout(_ timeout: Duration) {
        self.replaceOrAddString(Deadline.header(for: timeout), forKey: "grpc-timeout")
    }
}
