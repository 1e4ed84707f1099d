/// One register (or register pair) of a register map, as a map's CSV data file lists it (`RegisterMaps/*.csv`).
public struct RegisterDefinition: Hashable, Sendable {
    /// The register table: input (FC04) or holding (FC03).
    public typealias Table = RegisterKind

    public enum DataType: String, Hashable, Sendable, CaseIterable {
        case u16 = "U16"
        case s16 = "S16"
        case u32 = "U32"
        case s32 = "S32"

        /// 16-bit words on the wire.
        public var words: Int { self == .u16 || self == .s16 ? 1 : 2 }
    }

    /// The order of a 32-bit value's two words on the wire (each word itself is big-endian, as Modbus sends it).
    public enum WordOrder: String, Hashable, Sendable, CaseIterable {
        /// Low word at the lower address (Sungrow).
        case lowFirst = "low_first"
        /// High word at the lower address (the Modbus convention most devices follow).
        case highFirst = "high_first"
    }

    public var name: String
    /// The address as the device's protocol documents it (one-based).
    public var documentedAddress: Int
    public var table: Table
    public var type: DataType
    /// Physical value = raw value × scale.
    public var scale: Double
    public var unit: String
    /// Only for 32-bit types; nil for U16/S16.
    public var wordOrder: WordOrder?

    public init(
        name: String,
        documentedAddress: Int,
        table: Table,
        type: DataType,
        scale: Double,
        unit: String,
        wordOrder: WordOrder? = nil
    ) {
        self.name = name
        self.documentedAddress = documentedAddress
        self.table = table
        self.type = type
        self.scale = scale
        self.unit = unit
        self.wordOrder = wordOrder
    }

    /// The zero-based address on the wire: the documented address minus one.
    public var wireAddress: Int { self.documentedAddress - 1 }

    /// The wire addresses the register occupies.
    public var wireRange: ClosedRange<Int> { self.wireAddress...(self.wireAddress + self.type.words - 1) }
}
