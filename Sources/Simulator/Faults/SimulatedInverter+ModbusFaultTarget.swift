import Fieldbus

extension SimulatedInverter: ModbusFaultTarget {
    public func setModbusFault(named name: String, _ fault: ModbusFaultSpec) async throws(FaultTargetError) {
        do {
            switch fault.registers {
            case .all:
                try self.setModbusFault(name: name, effect: fault.effect, remaining: fault.count)
            case .named(let registers):
                try self.setModbusFault(name: name, effect: fault.effect, registers: registers, remaining: fault.count)
            case .wire(let addresses):
                self.server.setFault(
                    try ModbusFault(name: name, effect: fault.effect, addresses: addresses, remaining: fault.count)
                )
            }
        } catch {
            guard case .invalidArgument(let field) = error.code else { throw FaultTargetError(error.message) }
            let apiField = ["addresses": "range", "remaining": "count"][field] ?? field
            throw FaultTargetError(field: apiField, error.message)
        }
    }

    public func clearModbusFault(named name: String) async {
        _ = self.clearModbusFault(name: name)
    }
}
