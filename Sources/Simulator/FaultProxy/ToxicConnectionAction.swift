/// What a toxic does to a whole connection, apart from its data: planned once per connection when the toxic
/// applies to it (on connect for toxics already active, on add for open connections).
enum ToxicConnectionAction: Sendable, Hashable {
    /// Close both sides, `after` from now (`down`: at once; `timeout`: after its timeout).
    case close(after: Duration)
    /// Reset with a TCP RST the side(s) `towards` covers (downstream: the client; upstream: the server), `after`
    /// from now; the other side is closed.
    case reset(towards: ToxicDirection, after: Duration)
}

/// What the proxy does with a connection it just accepted.
enum ProxyAdmission: Sendable, Hashable {
    case accept
    /// `down` is active: closed at once.
    case refuse(toxicID: UInt64)
    /// A `dropFirstConnections` toxic takes it: closed at once.
    case drop(toxicID: UInt64)
}
