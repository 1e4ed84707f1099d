import Synchronization

/// The registers a server serves: 65,536 input and 65,536 holding registers, all zero at first. A model updates them
/// at any time from any thread; the server reads them for every request. `mapped` limits which wire addresses exist:
/// a request touching any other address gets `illegalDataAddress`, as a real device answers.
public final class RegisterDatastore: Sendable {
    private struct Tables {
        var input = [UInt16](repeating: 0, count: 0x1_0000)
        var holding = [UInt16](repeating: 0, count: 0x1_0000)
    }

    private let tables = Mutex(Tables())
    private let mapped: [RegisterKind: [ClosedRange<Int>]]?

    /// - Parameter mapped: the wire address ranges that exist per table; nil means every address exists.
    public init(mapped: [RegisterKind: [ClosedRange<Int>]]? = nil) {
        self.mapped = mapped
    }

    /// Whether every address of `addresses` exists in the `kind` table.
    public func contains(_ kind: RegisterKind, _ addresses: ClosedRange<Int>) -> Bool {
        guard let mapped = self.mapped else { return true }
        return addresses.allSatisfy { address in mapped[kind, default: []].contains { $0.contains(address) } }
    }

    /// Sets `values` from wire address `address` on.
    public func set(_ kind: RegisterKind, address: UInt16, values: [UInt16]) throws(ModbusError) {
        guard Int(address) + values.count <= 0x1_0000 else {
            throw .invalid("values", "\(values.count) registers from \(address) run past register 65535")
        }
        self.tables.withLock { tables in
            for (offset, value) in values.enumerated() {
                switch kind {
                case .input: tables.input[Int(address) + offset] = value
                case .holding: tables.holding[Int(address) + offset] = value
                }
            }
        }
    }

    /// Sets many registers at once, so a reader never sees half an update.
    public func set(_ kind: RegisterKind, _ values: [UInt16: UInt16]) {
        self.tables.withLock { tables in
            for (address, value) in values {
                switch kind {
                case .input: tables.input[Int(address)] = value
                case .holding: tables.holding[Int(address)] = value
                }
            }
        }
    }

    /// `count` registers from wire address `address`.
    public func read(_ kind: RegisterKind, address: UInt16, count: Int) throws -> [UInt16] {
        try ModbusLimits.check(address: Int(address), count: count, maxCount: 0x1_0000)
        let range = Int(address)..<(Int(address) + count)
        return self.tables.withLock { tables in
            Array(kind == .input ? tables.input[range] : tables.holding[range])
        }
    }
}
