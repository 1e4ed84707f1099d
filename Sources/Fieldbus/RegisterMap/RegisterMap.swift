/// A device's register map: the registers a poller reads and a simulated device serves, parsed from a CSV data file
/// (`name,address,register,type,scale,unit,word_order`; docs/edge.md "Register maps"). Shared by the edge poller and
/// the simulated Sungrow inverter, so both read the same file.
public struct RegisterMap: Hashable, Sendable {
    /// A line of the CSV that is not valid, naming the column.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        /// One-based line number in the CSV.
        public var line: Int
        public var field: String
        public var message: String
        public var description: String { "register map line \(self.line), \(self.field): \(self.message)" }
    }

    public static let header = "name,address,register,type,scale,unit,word_order"

    public var registers: [RegisterDefinition]

    public init(registers: [RegisterDefinition]) throws(ParseError) {
        try Self.checkOverlaps(registers.enumerated().map { ($0.offset + 2, $0.element) })
        self.registers = registers
    }

    /// Parses and validates a map: one register a line after the header, blank lines ignored.
    public init(csv: String) throws(ParseError) {
        var registers: [(line: Int, register: RegisterDefinition)] = []
        let lines = csv.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.first == Self.header else {
            throw ParseError(line: 1, field: "header", message: "must be \(Self.header)")
        }
        for (index, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            registers.append((index + 1, try Self.parse(line, lineNumber: index + 1)))
        }
        try Self.checkOverlaps(registers)
        self.registers = registers.map(\.register)
    }

    public subscript(name: String) -> RegisterDefinition? {
        self.registers.first { $0.name == name }
    }

    private static func parse(_ line: String, lineNumber: Int) throws(ParseError) -> RegisterDefinition {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        func fail(_ field: String, _ message: String) -> ParseError {
            ParseError(line: lineNumber, field: field, message: message)
        }
        guard fields.count == 7 else { throw fail("line", "has \(fields.count) fields, expected 7") }
        let name = fields[0]
        guard (1...64).contains(name.utf8.count),
            name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" })
        else {
            throw fail("name", "must be lower_snake_case, 1...64 characters, got '\(name.prefix(64))'")
        }
        guard let address = Int(fields[1]), (1...0xFFFF).contains(address) else {
            throw fail("address", "must be 1...65535, got '\(fields[1].prefix(32))'")
        }
        guard let table = RegisterDefinition.Table(rawValue: fields[2]) else {
            throw fail("register", "must be input or holding, got '\(fields[2].prefix(32))'")
        }
        guard let type = RegisterDefinition.DataType(rawValue: fields[3]) else {
            throw fail("type", "must be U16, S16, U32 or S32, got '\(fields[3].prefix(32))'")
        }
        guard address + type.words - 1 <= 0xFFFF else { throw fail("address", "\(type) runs past register 65535") }
        guard let scale = Double(fields[4]), scale.isFinite, scale > 0 else {
            throw fail("scale", "must be a positive number, got '\(fields[4].prefix(32))'")
        }
        guard fields[5].utf8.count <= 16 else { throw fail("unit", "must be at most 16 bytes") }
        var wordOrder: RegisterDefinition.WordOrder?
        if type.words == 2 {
            guard let order = RegisterDefinition.WordOrder(rawValue: fields[6]) else {
                throw fail("word_order", "must be low_first or high_first for \(type.rawValue)")
            }
            wordOrder = order
        } else if !fields[6].isEmpty {
            throw fail("word_order", "must be empty for \(type.rawValue)")
        }
        return RegisterDefinition(
            name: name,
            documentedAddress: address,
            table: table,
            type: type,
            scale: scale,
            unit: fields[5],
            wordOrder: wordOrder
        )
    }

    private static func checkOverlaps(_ registers: [(line: Int, register: RegisterDefinition)]) throws(ParseError) {
        var taken: [String: String] = [:]
        var names: Set<String> = []
        for (line, register) in registers {
            guard names.insert(register.name).inserted else {
                throw ParseError(line: line, field: "name", message: "'\(register.name)' appears twice")
            }
            for word in 0..<register.type.words {
                let key = "\(register.table.rawValue)/\(register.documentedAddress + word)"
                if let other = taken.updateValue(register.name, forKey: key) {
                    throw ParseError(line: line, field: "address", message: "\(key) is also used by '\(other)'")
                }
            }
        }
    }
}
