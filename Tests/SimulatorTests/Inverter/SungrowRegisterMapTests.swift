import Fieldbus
import Simulator
import Testing

@Suite("SungrowRegisterMap")
struct SungrowRegisterMapTests {
    @Test func theEmbeddedMapParsesWithWireAddressesOneBelowTheDocumentedOnes() throws {
        let map = SungrowRegisterMap.standard
        #expect(map.registers.count == 25)
        let soc = try #require(map["battery_level"])
        #expect(soc.documentedAddress == 13023 && soc.wireAddress == 13022 && soc.table == .input && soc.type == .u16)
        #expect(map["start_stop"]?.table == .holding)
        #expect(map.wireRange(of: "total_dc_power") == 5016...5017)
    }

    @Test func encodingIsScaledRoundedAndLowWordFirst() throws {
        let map = SungrowRegisterMap.standard
        let export = try #require(map["export_power"])
        // -70000 W as S32: 0xFFFEEE90, low word first.
        #expect(SungrowRegisterEncoding.words(for: export, value: -70_000) == [0xEE90, 0xFFFE])
        let total = try #require(map["total_pv_generation"])
        // 123456.7 kWh at 0.1 kWh = 1234567 = 0x0012D687.
        #expect(SungrowRegisterEncoding.words(for: total, value: 123_456.7) == [0xD687, 0x0012])
        let temperature = try #require(map["inside_temperature"])
        #expect(SungrowRegisterEncoding.words(for: temperature, value: -1.5) == [0xFFF1])
        #expect(SungrowRegisterEncoding.words(for: total, value: nil) == [0xFFFF, 0xFFFF])
        // "Not available" is the type's sentinel: 0x7FFF (S16), 0x7FFFFFFF (S32, low word first).
        #expect(SungrowRegisterEncoding.words(for: temperature, value: nil) == [0x7FFF])
        #expect(SungrowRegisterEncoding.words(for: export, value: nil) == [0xFFFF, 0x7FFF])
        var highFirst = export
        highFirst.wordOrder = .highFirst
        #expect(SungrowRegisterEncoding.words(for: highFirst, value: -70_000) == [0xFFFE, 0xEE90])
    }
}
