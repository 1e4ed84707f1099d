/// The active faults, first set first matched: pure, so it is tested without sockets.
public struct ModbusFaultTable: Hashable, Sendable {
    public private(set) var faults: [ModbusFault] = []

    public init() {}

    /// Adds `fault`, replacing one of the same name.
    public mutating func set(_ fault: ModbusFault) {
        if let index = self.faults.firstIndex(where: { $0.name == fault.name }) {
            self.faults[index] = fault
        } else {
            self.faults.append(fault)
        }
    }

    /// Removes the fault named `name`; false when there was none.
    @discardableResult
    public mutating func clear(_ name: String) -> Bool {
        let before = self.faults.count
        self.faults.removeAll { $0.name == name }
        return self.faults.count != before
    }

    public mutating func clearAll() {
        self.faults.removeAll()
    }

    /// The fault that applies to `request` at `now`, if any; counts it against the fault's `remaining` and retires
    /// faults that are used up or expired.
    public mutating func apply(to request: ModbusRequest, at now: ContinuousClock.Instant) -> ModbusFault? {
        self.faults.removeAll { fault in fault.expires.map { now >= $0 } ?? false }
        guard let index = self.faults.firstIndex(where: { $0.matches(request) }) else { return nil }
        let fault = self.faults[index]
        if let remaining = fault.remaining {
            if remaining <= 1 {
                self.faults.remove(at: index)
            } else {
                self.faults[index].remaining = remaining - 1
            }
        }
        return fault
    }
}
