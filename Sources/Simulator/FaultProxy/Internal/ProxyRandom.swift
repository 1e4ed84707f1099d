/// A small seeded generator (ProxyRandom): the proxy's jitter, slice sizes and toxicity draws are reproducible from
/// its seed.
struct ProxyRandom: RandomNumberGenerator, Sendable, Hashable {
    private var state: UInt64

    init(seed: UInt64) { self.state = seed }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(self.state)
    }

    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// FNV-1a of a name's UTF-8 bytes.
    static func hash(_ name: String) -> UInt64 {
        name.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
    }

    /// A uniform value in 0..<1 determined by the three inputs alone (no generator state): the same connection gets
    /// the same toxicity draw however many chunks or connections came before.
    static func unit(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> Double {
        let mixed = Self.mix(Self.mix(Self.mix(a) ^ b) ^ c)
        return Double(mixed >> 11) / Double(1 << 53)
    }
}
