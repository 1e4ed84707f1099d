/// One register (or register pair) of the Sungrow map, as the data file `sungrow-register-map.csv` lists it.
public struct SungrowRegister: Hashable, Sendable {
    public enum Table: String, Hashable, Sendable {
        case input, holding
    }

    public enum DataType: String, Hashable, Sendable {
        case u16 = "U16"
        case s16 = "S16"
        case u32 = "U32"
        case s32 = "S32"

        /// 16-bit words on the wire.
        public var words: Int { self == .u16 || self == .s16 ? 1 : 2 }
    }

    public var name: String
    /// The address as Sungrow's protocol documents it (one-based).
    public var documentedAddress: Int
    public var table: Table
    public var type: DataType
    /// Physical value = raw value × scale.
    public var scale: Double
    public var unit: String

    /// The zero-based address on the wire: the documented address minus one.
    public var wireAddress: Int { self.documentedAddress - 1 }
}

/// The Sungrow register map, parsed from the CSV compiled in by scripts/generate.
public struct SungrowRegisterMap: Hashable, Sendable {
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        public var line: Int
        public var field: String
        public var message: String
        public var description: String { "register map line \(self.line), \(self.field): \(self.message)" }
    }

    public var registers: [SungrowRegister]

    /// The map compiled into the binary.
    public static let standard: SungrowRegisterMap = {
        do {
            return try SungrowRegisterMap(csv: embeddedCSV)
        } catch {
            fatalError("the embedded Sungrow register map is invalid (\(error)); fix sungrow-register-map.csv")
        }
    }()

    public init(csv: String) throws(ParseError) {
        var registers: [SungrowRegister] = []
        let lines = csv.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.first == "name,address,register,type,scale,unit" else {
            throw ParseError(line: 1, field: "header", message: "must be name,address,register,type,scale,unit")
        }
        for (index, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            registers.append(try Self.parse(line, lineNumber: index + 1))
        }
        try Self.checkOverlaps(registers)
        self.registers = registers
    }

    public subscript(name: String) -> SungrowRegister? {
        self.registers.first { $0.name == name }
    }

    private static func parse(_ line: String, lineNumber: Int) throws(ParseError) -> SungrowRegister {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        func fail(_ field: String, _ message: String) -> ParseError {
            ParseError(line: lineNumber, field: field, message: message)
        }
        guard fields.count == 6 else { throw fail("line", "has \(fields.count) fields, expected 6") }
        let name = fields[0]
        guard !name.isEmpty, name.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "_" }) else {
            throw fail("name", "must be lower_snake_case, got '\(name)'")
        }
        guard let address = Int(fields[1]), (1...0xFFFF).contains(address) else {
            throw fail("address", "must be 1...65535, got '\(fields[1])'")
        }
        guard let table = SungrowRegister.Table(rawValue: fields[2]) else {
            throw fail("register", "must be input or holding, got '\(fields[2])'")
        }
        guard let type = SungrowRegister.DataType(rawValue: fields[3]) else {
            throw fail("type", "must be U16, S16, U32 or S32, got '\(fields[3])'")
        }
        guard address + type.words - 1 <= 0xFFFF else { throw fail("address", "\(type) runs past register 65535") }
        guard let scale = Double(fields[4]), scale > 0 else {
            throw fail("scale", "must be a positive number, got '\(fields[4])'")
        }
        return SungrowRegister(
            name: name,
            documentedAddress: address,
            table: table,
            type: type,
            scale: scale,
            unit: fields[5]
        )
    }

    private static func checkOverlaps(_ registers: [SungrowRegister]) throws(ParseError) {
        var taken: [String: String] = [:]
        var names: Set<String> = []
        for (index, register) in registers.enumerated() {
            guard names.insert(register.name).inserted else {
                throw ParseError(line: index + 2, field: "name", message: "'\(register.name)' appears twice")
            }
            for word in 0..<register.type.words {
                let key = "\(register.table)/\(register.documentedAddress + word)"
                if let other = taken.updateValue(register.name, forKey: key) {
                    throw ParseError(
                        line: index + 2,
                        field: "address",
                        message: "\(key) is also used by '\(other)'"
                    )
                }
            }
        }
    }
}
