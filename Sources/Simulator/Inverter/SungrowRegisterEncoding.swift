import Fieldbus

/// Physical values to register words: raw = value / scale rounded, clamped to the type's range; 32-bit values in the
/// register's word order (Sungrow: low word first); an absent value (an MPPT that is not wired) as the type's
/// "not available" value: 0xFFFF (U16), 0x7FFF (S16), 0xFFFFFFFF (U32), 0x7FFFFFFF (S32).
public enum SungrowRegisterEncoding {
    public static func words(for register: SungrowRegister, value: Double?) -> [UInt16] {
        let order = register.wordOrder ?? .lowFirst
        guard let value else {
            switch register.type {
            case .u16: return [0xFFFF]
            case .s16: return [0x7FFF]
            case .u32: return [0xFFFF, 0xFFFF]
            case .s32: return split(0x7FFF_FFFF, order)
            }
        }
        let raw = (value / register.scale).rounded()
        switch register.type {
        case .u16:
            return [UInt16(clamping: Int64(clamped(raw, 0, Double(UInt16.max))))]
        case .s16:
            return [UInt16(bitPattern: Int16(clamped(raw, Double(Int16.min), Double(Int16.max))))]
        case .u32:
            return split(UInt32(clamped(raw, 0, Double(UInt32.max))), order)
        case .s32:
            return split(UInt32(bitPattern: Int32(clamped(raw, Double(Int32.min), Double(Int32.max)))), order)
        }
    }

    private static func clamped(_ value: Double, _ low: Double, _ high: Double) -> Double {
        value.isNaN ? 0 : min(high, max(low, value))
    }

    private static func split(_ value: UInt32, _ order: SungrowRegister.WordOrder) -> [UInt16] {
        let low = UInt16(truncatingIfNeeded: value)
        let high = UInt16(truncatingIfNeeded: value >> 16)
        return order == .lowFirst ? [low, high] : [high, low]
    }
}
