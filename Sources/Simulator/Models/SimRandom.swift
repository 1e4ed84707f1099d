/// A seeded, splittable random generator: xoshiro256** seeded through SplitMix64 (Blackman and Vigna). One seed makes a
/// run reproducible; `stream(for:)` derives an independent generator per device from the seed and the device id, so
/// adding or removing a device never changes another device's values.
public struct SimRandom: RandomNumberGenerator, Sendable, Hashable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator whose whole sequence is fixed by `seed`.
    public init(seed: UInt64) {
        var mixer = SplitMix64(state: seed)
        self.s0 = mixer.next()
        self.s1 = mixer.next()
        self.s2 = mixer.next()
        self.s3 = mixer.next()
        if self.s0 | self.s1 | self.s2 | self.s3 == 0 { self.s0 = 1 }  // the all-zero state is a fixed point
    }

    /// The generator of one device in a run seeded with `seed`: depends only on the seed and the id.
    public static func stream(seed: UInt64, device: DeviceID) -> SimRandom {
        SimRandom(seed: SplitMix64.mix(seed ^ fnv1a(device)))
    }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(self.s1 &* 5, by: 7) &* 9
        let shifted = self.s1 << 17
        self.s2 ^= self.s0
        self.s3 ^= self.s1
        self.s1 ^= self.s2
        self.s0 ^= self.s3
        self.s2 ^= shifted
        self.s3 = rotateLeft(self.s3, by: 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func unit() -> Double {
        Double(self.next() >> 11) * 0x1.0p-53
    }

    /// Approximately standard normal (Irwin-Hall: the sum of 12 uniforms minus 6), pure arithmetic, bounded to +-6.
    public mutating func gaussian() -> Double {
        var sum = 0.0
        for _ in 0..<12 { sum += self.unit() }
        return sum - 6
    }

    private func rotateLeft(_ value: UInt64, by count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }

    /// FNV-1a over the id's UTF-8 bytes: a stable hash (Swift's `Hasher` is randomly seeded per process).
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}

/// SplitMix64: expands one 64-bit seed into well-mixed state words.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        self.state &+= 0x9e37_79b9_7f4a_7c15
        return Self.mix(self.state)
    }

    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
