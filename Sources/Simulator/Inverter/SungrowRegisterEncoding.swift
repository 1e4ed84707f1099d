/// Physical values to register words: raw = value / scale rounded, clamped to the type's range; 32-bit values low
/// word first (as Sungrow sends them); an absent value (an MPPT that is not wired) as 0xFFFF in every word.
public enum SungrowRegisterEncoding {
    public static func words(for register: SungrowRegister, value: Double?) -> [UInt16] {
        guard let value else { return Array(repeating: 0xFFFF, count: register.type.words) }
        let raw = (value / register.scale).rounded()
        switch register.type {
        case .u16:
            return [UInt16(clamping: Int64(clamped(raw, 0, Double(UInt16.max))))]
        case .s16:
            return [UInt16(bitPattern: Int16(clamped(raw, Double(Int16.min), Double(Int16.max))))]
        case .u32:
            return split(UInt32(clamped(raw, 0, Double(UInt32.max))))
        case .s32:
            return split(UInt32(bitPattern: Int32(clamped(raw, Double(Int32.min), Double(Int32.max)))))
        }
    }

    private static func clamped(_ value: Double, _ low: Double, _ high: Double) -> Double {
        value.isNaN ? 0 : min(high, max(low, value))
    }

    private static func split(_ value: UInt32) -> [UInt16] {
        [UInt16(truncatingIfNeeded: value), UInt16(truncatingIfNeeded: value >> 16)]
    }
}
