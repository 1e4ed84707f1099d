import Edge
import Fieldbus
import Simulator
import TestSupport
import Testing

@Suite("RegisterDecoding")
struct RegisterDecodingTests {
    static func register(
        _ type: RegisterDefinition.DataType,
        scale: Double = 1,
        order: RegisterDefinition.WordOrder? = nil
    )
        -> RegisterDefinition
    {
        RegisterDefinition(
            name: "x",
            documentedAddress: 1,
            table: .input,
            type: type,
            scale: scale,
            unit: "W",
            wordOrder: type.words == 2 ? (order ?? .lowFirst) : nil
        )
    }

    @Test func notAvailableValuesDecodeToNil() {
        #expect(RegisterDecoding.value(of: Self.register(.u16), words: [0xFFFF]) == nil)
        #expect(RegisterDecoding.value(of: Self.register(.s16), words: [0x7FFF]) == nil)
        #expect(RegisterDecoding.value(of: Self.register(.u32), words: [0xFFFF, 0xFFFF]) == nil)
        #expect(RegisterDecoding.value(of: Self.register(.s32, order: .lowFirst), words: [0xFFFF, 0x7FFF]) == nil)
        #expect(RegisterDecoding.value(of: Self.register(.s32, order: .highFirst), words: [0x7FFF, 0xFFFF]) == nil)
        // The same words are values in the other types.
        #expect(RegisterDecoding.value(of: Self.register(.s16), words: [0xFFFF]) == -1)
        #expect(RegisterDecoding.value(of: Self.register(.u16), words: [0x7FFF]) == 32767)
        #expect(RegisterDecoding.value(of: Self.register(.s32), words: [0xFFFF, 0xFFFF]) == -1)
    }

    @Test func wordOrderAndSignAndScale() {
        // -70000 = 0xFFFEEE90.
        #expect(RegisterDecoding.value(of: Self.register(.s32, order: .lowFirst), words: [0xEE90, 0xFFFE]) == -70_000)
        #expect(RegisterDecoding.value(of: Self.register(.s32, order: .highFirst), words: [0xFFFE, 0xEE90]) == -70_000)
        // 1234567 × 0.1 kWh.
        let total = Self.register(.u32, scale: 0.1, order: .lowFirst)
        #expect(abs(RegisterDecoding.value(of: total, words: [0xD687, 0x0012])! - 123_456.7) < 1e-6)
        #expect(RegisterDecoding.value(of: Self.register(.s16, scale: 0.1), words: [0xFFF1]) == -1.5)
        #expect(RegisterDecoding.value(of: Self.register(.u16), words: [1, 2]) == nil)
    }

    /// The simulator's encoder and the poller's decoder agree on every register of the shared map, for random values
    /// within each type's range (the value comes back within half a scale step).
    @Test func decodingInvertsTheSimulatorsEncodingForTheWholeMap() throws {
        var random = SplitMix64(seed: 7)
        for register in RegisterMap.sungrow.registers {
            for _ in 0..<200 {
                let raw: Double
                switch register.type {
                case .u16: raw = Double(Int.random(in: 0...0xFFFE, using: &random))
                case .s16: raw = Double(Int.random(in: -0x8000...0x7FFE, using: &random))
                case .u32: raw = Double(Int.random(in: 0...0xFFFF_FFFE, using: &random))
                case .s32: raw = Double(Int.random(in: -0x8000_0000...0x7FFF_FFFE, using: &random))
                }
                let value = raw * register.scale
                let words = SungrowRegisterEncoding.words(for: register, value: value)
                let decoded = try #require(RegisterDecoding.value(of: register, words: words[...]))
                #expect(abs(decoded - value) <= register.scale / 2, "\(register.name) \(value)")
            }
            let absent = SungrowRegisterEncoding.words(for: register, value: nil)
            #expect(RegisterDecoding.value(of: register, words: absent[...]) == nil, "\(register.name)")
        }
    }
}
