import Fieldbus
import Testing

@Suite("RegisterMap")
struct RegisterMapTests {
    static let header = "name,address,register,type,scale,unit,word_order\n"

    @Test(arguments: [
        (header + "Bad,5000,input,U16,1,,", 2, "name"),
        (header + "x,0,input,U16,1,,", 2, "address"),
        (header + "x,5000,coil,U16,1,,", 2, "register"),
        (header + "x,5000,input,F32,1,,", 2, "type"),
        (header + "x,5000,input,U16,0,,", 2, "scale"),
        (header + "x,5000,input,U16,1", 2, "line"),
        (header + "x,5000,input,U32,1,,low_first\ny,5001,input,U16,1,,", 3, "address"),
        (header + "x,5000,input,U16,1,,\n\nx,5001,input,U16,1,,", 4, "name"),
        (header + "x,5000,input,U32,1,,", 2, "word_order"),
        (header + "x,5000,input,U16,1,,low_first", 2, "word_order"),
        ("name,address,register,type,scale,unit\nx,5000,input,U16,1,", 1, "header"),
        ("name,addr\n", 1, "header"),
    ])
    func aBadMapNamesTheLineAndField(csv: String, line: Int, field: String) {
        do {
            _ = try RegisterMap(csv: csv)
            Issue.record("parsed: \(csv)")
        } catch {
            #expect(error.line == line && error.field == field, "\(error)")
        }
    }

    @Test func wordOrderIsPerRegisterAndOnlyFor32BitTypes() throws {
        let map = try RegisterMap(
            csv: """
                name,address,register,type,scale,unit,word_order
                power,1,input,S32,0.1,W,high_first

                energy,3,input,U32,0.01,kWh,low_first
                voltage,10,input,U16,0.1,V,
                limit,10,holding,U16,1,%,

                """
        )
        #expect(map["power"]?.wordOrder == .highFirst && map["energy"]?.wordOrder == .lowFirst)
        #expect(map["voltage"]?.wordOrder == nil && map["limit"]?.table == .holding)
        #expect(map.wireBlocks(table: .input, gap: 5) == [0...3, 9...9])
        #expect(map.wireBlocks(table: .input, gap: 6) == [0...9])
        #expect(RegisterMap.builtIn["sungrow"] == RegisterMap.sungrow)
    }
}
