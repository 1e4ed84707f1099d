import Fieldbus

/// Register words to a physical value: the type's "not available" value gives nil (0xFFFF for U16, 0x7FFF for S16,
/// 0xFFFFFFFF for U32, 0x7FFFFFFF for S32), 32-bit values are assembled in the register's word order, and the raw
/// value is multiplied by the scale. Pure.
public enum RegisterDecoding {
    /// `words` must hold exactly the register's words; nil also when it does not.
    public static func value(of register: RegisterDefinition, words: ArraySlice<UInt16>) -> Double? {
        guard words.count == register.type.words, let first = words.first, let last = words.last else { return nil }
        let raw: Double
        switch register.type {
        case .u16:
            guard first != 0xFFFF else { return nil }
            raw = Double(first)
        case .s16:
            guard first != 0x7FFF else { return nil }
            raw = Double(Int16(bitPattern: first))
        case .u32, .s32:
            let (high, low) = register.wordOrder == .highFirst ? (first, last) : (last, first)
            let combined = UInt32(high) << 16 | UInt32(low)
            if register.type == .u32 {
                guard combined != 0xFFFF_FFFF else { return nil }
                raw = Double(combined)
            } else {
                guard combined != 0x7FFF_FFFF else { return nil }
                raw = Double(Int32(bitPattern: combined))
            }
        }
        return raw * register.scale
    }
}
