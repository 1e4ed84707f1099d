/// A network fault for the fault proxy between a device group and the broker, as the injector holds it: the proxy's
/// own `Toxic.Kind` and `ToxicDirection`, without a name or lifetime (the injector owns its lifetime on the
/// simulation's clock, so a `NetworkFaultTarget` hands it to the proxy held, under the fault's name).
public struct NetworkToxic: Hashable, Sendable {
    public typealias Kind = Toxic.Kind
    public typealias Direction = ToxicDirection

    public var kind: Kind
    public var direction: Direction
    /// The share of connections it applies to, in (0, 1].
    public var toxicity: Double

    public init(_ kind: Kind, direction: Direction = .both, toxicity: Double = 1) {
        self.kind = kind
        self.direction = direction
        self.toxicity = toxicity
    }

    /// The proxy's toxic, held (the injector removes it when the fault ends).
    public func toxic(named name: String) -> Toxic {
        Toxic(name: name, self.kind, direction: self.direction, toxicity: self.toxicity, lifetime: .held)
    }
}
