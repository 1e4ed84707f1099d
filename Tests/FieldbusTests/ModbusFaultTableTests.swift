import Fieldbus
import Testing

@Suite("ModbusFaultTable")
struct ModbusFaultTableTests {
    let now = ContinuousClock.now

    func read(_ address: UInt16, _ count: Int = 1, _ function: ModbusFunction = .readInputRegisters) -> ModbusRequest {
        ModbusRequest(connection: 1, function: function, address: address, count: count)
    }

    @Test func matchesOverlappingAddressesAndListedFunctionsOnly() throws {
        var table = ModbusFaultTable()
        table.set(
            try ModbusFault(
                name: "busy",
                effect: .exception(.serverDeviceBusy),
                functions: [.readInputRegisters],
                addresses: 10...11
            )
        )
        #expect(table.apply(to: self.read(8, 3), at: self.now)?.name == "busy")
        #expect(table.apply(to: self.read(11), at: self.now)?.name == "busy")
        #expect(table.apply(to: self.read(12, 5), at: self.now) == nil)
        #expect(table.apply(to: self.read(5, 10, .readHoldingRegisters), at: self.now) == nil)
    }

    @Test func aCountedFaultRetiresAfterItsRequests() throws {
        var table = ModbusFaultTable()
        table.set(try ModbusFault(name: "drop-2", effect: .noReply, remaining: 2))
        #expect(table.apply(to: self.read(0), at: self.now) != nil)
        #expect(table.apply(to: self.read(0), at: self.now) != nil)
        #expect(table.apply(to: self.read(0), at: self.now) == nil)
        #expect(table.faults.isEmpty)
    }

    @Test func aTimedFaultExpires() throws {
        var table = ModbusFaultTable()
        table.set(try ModbusFault(name: "junk", effect: .junkReply, expires: self.now + .seconds(5)))
        #expect(table.apply(to: self.read(0), at: self.now + .seconds(4)) != nil)
        #expect(table.apply(to: self.read(0), at: self.now + .seconds(5)) == nil)
    }

    @Test func sameNameReplacesAndClearRemoves() throws {
        var table = ModbusFaultTable()
        table.set(try ModbusFault(name: "f", effect: .noReply))
        table.set(try ModbusFault(name: "f", effect: .junkReply))
        #expect(table.faults.map(\.effect) == [.junkReply])
        let cleared = table.clear("f")
        let clearedAgain = table.clear("f")
        #expect(cleared && !clearedAgain)
    }

    @Test func badFaultsNameTheirField() {
        #expect(RequestPacingTests.field { _ = try ModbusFault(name: "", effect: .noReply) } == "name")
        #expect(
            RequestPacingTests.field { _ = try ModbusFault(name: "f", effect: .noReply, functions: []) } == "functions"
        )
        #expect(
            RequestPacingTests.field { _ = try ModbusFault(name: "f", effect: .noReply, addresses: 0...70_000) }
                == "addresses"
        )
        #expect(
            RequestPacingTests.field { _ = try ModbusFault(name: "f", effect: .noReply, remaining: 0) } == "remaining"
        )
    }
}
